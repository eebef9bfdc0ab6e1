#!/usr/bin/env python
"""Open every page of the built site in headless Chromium and fail on what a reader would see broken.

Drives Chromium over the DevTools protocol on a pipe (`--remote-debugging-pipe`: NUL-separated JSON on fds 3/4, the
transport Playwright uses), so it needs nothing but the Python standard library and a `chromium` binary. Pages are
opened as file:// URLs; every http(s)/ws(s) request is blocked and reported, and host resolution is disabled, so a
page that needs the network fails instead of reaching it. A page fails on:
  - a console error, an uncaught exception or a failed resource load (Log/Runtime events);
  - a request that would leave the machine;
  - a broken internal link (file missing, outside the site, or a #fragment with no such id in the target page);
  - an image that did not load (after forcing lazy images to load);
  - unrendered math: a math element MathJax did not typeset, a MathJax error, or raw `$...$`, `\\(`, `\\[`,
    `\\begin{` left in the page text outside code blocks.
Screenshots of each page, 1280 px wide, in tiles of 4000 px, go to `<site>/_screenshots/<page>.png`, `<page>-2.png`, ...

    python scripts/check_docs.py                 # _site/, every page
    python scripts/check_docs.py --site DIR --pages index.html notebooks/10_bicubic.html
"""
import argparse, base64, json, os, re, shutil, subprocess, sys, tempfile, threading, time, queue
from pathlib import Path
from urllib.parse import urlsplit, unquote

root = Path(__file__).resolve().parents[1]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-default-apps', '--disable-extensions', '--mute-audio', '--hide-scrollbars',
         '--host-resolver-rules=MAP * ~NOTFOUND', '--allow-file-access-from-files']
BLOCK = ['http://*', 'https://*', 'ws://*', 'wss://*', 'ftp://*']
WIDTH, TILE, MAX_TILES = 1280, 4000, 25
SKIP_DIRS = ('_static', '_images', '_downloads', '_screenshots', '_sources')

def find_chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'):
        p = shutil.which(name)
        if p: return p
    return None

class Browser:
    "A headless Chromium on a DevTools pipe; `call` sends a command and waits for its answer, events are queued per session."
    def __init__(self, exe: str, log: Path):
        self.profile = tempfile.mkdtemp(prefix='docs-check-chromium-')
        cmd = [exe, *FLAGS, f'--user-data-dir={self.profile}', '--remote-debugging-pipe', 'about:blank']
        # the shell puts our stdin/stdout pipes on fds 3/4, where --remote-debugging-pipe expects them
        self.log = open(log, 'wb')
        self.proc = subprocess.Popen(['sh', '-c', 'exec "$@" 3<&0 4>&1 </dev/null >/dev/null', 'sh', *cmd],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.next_id, self.answers, self.events, self.lock = 0, {}, {}, threading.Lock()
        self.cv = threading.Condition(self.lock)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b''
        while True:
            chunk = self.proc.stdout.read1(1 << 16)
            if not chunk: break
            buf += chunk
            *msgs, buf = buf.split(b'\0')
            for m in msgs:
                msg = json.loads(m)
                with self.cv:
                    if 'id' in msg: self.answers[msg['id']] = msg
                    else: self.events.setdefault(msg.get('sessionId'), []).append(msg)
                    self.cv.notify_all()
        with self.cv:
            self.closed = True; self.cv.notify_all()

    def call(self, method, params=None, session=None, timeout=60):
        with self.cv:
            self.next_id += 1; i = self.next_id
        msg = {'id': i, 'method': method, 'params': params or {}}
        if session: msg['sessionId'] = session
        self.proc.stdin.write(json.dumps(msg).encode() + b'\0'); self.proc.stdin.flush()
        end = time.time() + timeout
        with self.cv:
            while i not in self.answers:
                if getattr(self, 'closed', False): raise RuntimeError(f"chromium exited (see {self.log.name})")
                if not self.cv.wait(timeout=max(0.0, end - time.time())) and time.time() >= end:
                    raise TimeoutError(f"{method}: no answer in {timeout} s")
            ans = self.answers.pop(i)
        if 'error' in ans: raise RuntimeError(f"{method}: {ans['error']}")
        return ans.get('result', {})

    def wait_event(self, session, method, timeout=60):
        end = time.time() + timeout
        with self.cv:
            while True:
                for ev in self.events.get(session, []):
                    if ev['method'] == method: return ev
                if not self.cv.wait(timeout=max(0.0, end - time.time())) and time.time() >= end:
                    raise TimeoutError(f"no {method} in {timeout} s")

    def drain(self, session):
        with self.cv: return self.events.pop(session, [])

    def close(self):
        try: self.call('Browser.close', timeout=10)
        except Exception: self.proc.kill()
        try: self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

# Runs in the page: waits for MathJax and images, then reports links, images and math.
PAGE_JS = r"""(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const assets = [...document.querySelectorAll('script[src], link[href][rel="stylesheet"]')].map(e => e.src || e.href);
  const mathEls = [...document.querySelectorAll('.math')];
  const untypeset = mathEls.filter(e => !e.querySelector('mjx-container') && !e.closest('mjx-container'))
                           .map(e => e.textContent.trim().slice(0, 80));
  const merr = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
                 .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80));
  const skip = 'SCRIPT,STYLE,PRE,CODE,TEXTAREA,KBD,SAMP,MJX-CONTAINER,NOSCRIPT';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = []; let n;
  const pat = /\$[^$\s][^$]*?\$|\\\(|\\\)|\\\[|\\\]|\\begin\{/;
  while ((n = walker.nextNode())) {
    let p = n.parentElement, bad = false;
    while (p) { if (skip.split(',').includes(p.tagName) || p.classList.contains('highlight')) { bad = true; break; } p = p.parentElement; }
    if (bad) continue;
    const m = n.textContent.match(pat);
    if (m) raw.push(n.textContent.slice(Math.max(0, m.index - 30), m.index + 50));
  }
  return {broken, links, assets, math: mathEls.length, untypeset, merr, raw,
          height: Math.ceil(document.documentElement.scrollHeight), title: document.title};
})()"""

_ids = {}
def ids_of(page: Path) -> set:
    if page not in _ids:
        html = page.read_text(encoding='utf-8', errors='replace')
        _ids[page] = set(re.findall(r'\b(?:id|name)\s*=\s*["\']([^"\']+)["\']', html))
    return _ids[page]

def check_link(url: str, site: Path, here: Path):
    "None if `url` is fine (or external), else why it is broken."
    u = urlsplit(url)
    if u.scheme in ('http', 'https', 'mailto', 'javascript', 'data', 'about'): return None
    if u.scheme != 'file': return f"unexpected scheme: {url}"
    path = Path(unquote(u.path))
    try: path.resolve().relative_to(site.resolve())
    except ValueError: return f"leaves the site: {url}"
    if path.is_dir(): path = path/'index.html'
    if not path.exists(): return f"missing: {path.relative_to(site)}"
    frag = unquote(u.fragment)
    if frag and path.suffix == '.html' and frag not in ids_of(path):
        return f"no #{frag} in {path.relative_to(site)}"
    return None

def check_page(b: Browser, site: Path, page: Path, shots: Path) -> list:
    t = b.call('Target.createTarget', {'url': 'about:blank'})['targetId']
    s = b.call('Target.attachToTarget', {'targetId': t, 'flatten': True})['sessionId']
    problems = []
    try:
        for m in ('Runtime.enable', 'Log.enable', 'Page.enable', 'Network.enable'): b.call(m, session=s)
        b.call('Network.setBlockedURLs', {'urls': BLOCK}, session=s)
        b.call('Emulation.setDeviceMetricsOverride', {'width': WIDTH, 'height': 900, 'deviceScaleFactor': 1, 'mobile': False}, session=s)
        b.drain(s)
        b.call('Page.navigate', {'url': page.resolve().as_uri()}, session=s)
        b.wait_event(s, 'Page.loadEventFired', timeout=60)
        r = b.call('Runtime.evaluate', {'expression': PAGE_JS, 'awaitPromise': True, 'returnByValue': True}, session=s, timeout=120)
        if 'exceptionDetails' in r: problems.append(f"check script failed: {r['exceptionDetails'].get('text')}")
        v = r.get('result', {}).get('value') or {}
        time.sleep(0.2)  # late console messages
        for ev in b.drain(s):
            m, p = ev['method'], ev.get('params', {})
            if m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
                problems.append('console error: ' + ' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', []))[:200])
            elif m == 'Runtime.exceptionThrown':
                d = p.get('exceptionDetails', {})
                problems.append(f"uncaught exception: {(d.get('exception') or {}).get('description', d.get('text'))}"[:200])
            elif m == 'Log.entryAdded' and p.get('entry', {}).get('level') == 'error':
                e = p['entry']; problems.append(f"console error: {e.get('text')} {e.get('url', '')}"[:200])
            elif m == 'Network.requestWillBeSent':
                url = p.get('request', {}).get('url', '')
                if urlsplit(url).scheme not in ('file', 'data', 'about', 'blob', ''):
                    problems.append(f"network request: {url[:160]}")
        problems += [f"image did not load: {src}" for src in v.get('broken', [])]
        for url in sorted(set(v.get('links', []) + v.get('assets', []))):
            why = check_link(url, site, page)
            if why: problems.append(f"broken link: {why}")
        problems += [f"math not typeset: {x!r}" for x in v.get('untypeset', [])]
        problems += [f"MathJax error: {x!r}" for x in v.get('merr', [])]
        problems += [f"raw math text: {x!r}" for x in v.get('raw', [])]
        # The whole page, in tiles of TILE px: <page>.png, <page>-2.png, ... (at most MAX_TILES).
        h, name = max(v.get('height', 900), 200), str(page.relative_to(site).with_suffix('')).replace(os.sep, '__')
        outs = []
        for k, y in enumerate(range(0, min(h, TILE * MAX_TILES), TILE)):
            shot = b.call('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True,
                          'clip': {'x': 0, 'y': y, 'width': WIDTH, 'height': min(TILE, h - y), 'scale': 1}}, session=s)
            outs.append(shots/(name + ('.png' if k == 0 else f'-{k + 1}.png')))
            outs[-1].write_bytes(base64.b64decode(shot['data']))
        return problems, v.get('math', 0), outs
    finally:
        b.call('Target.closeTarget', {'targetId': t})

def pages_of(site: Path) -> list:
    return sorted(p for p in site.rglob('*.html') if not any(part in SKIP_DIRS for part in p.relative_to(site).parts))

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--site', type=Path, default=root/'_site')
    ap.add_argument('--pages', nargs='*', default=None, help='pages relative to the site (default: every .html page)')
    ap.add_argument('--chromium', default=None, help='the browser binary (default: chromium on PATH)')
    a = ap.parse_args(argv)
    site = a.site.resolve()
    if not (site/'index.html').exists(): sys.exit(f"no {site}/index.html: build the site first (make docs)")
    exe = a.chromium or find_chromium()
    if not exe: sys.exit("chromium not found (make docs-check installs Debian's chromium with apt-get)")
    pages = [site/p for p in a.pages] if a.pages else pages_of(site)
    shots = site/'_screenshots'; shots.mkdir(exist_ok=True)
    b = Browser(exe, shots/'chromium.log')
    failed, t0 = 0, time.time()
    try:
        ver = b.call('Browser.getVersion').get('product', '?')
        print(f"{ver}: {len(pages)} page(s) of {site}", flush=True)
        for page in pages:
            problems, nmath, tiles = check_page(b, site, page, shots)
            rel = page.relative_to(site)
            print(f"{'FAIL' if problems else 'ok  '}  {str(rel):45s} math {nmath:4d}  screenshot {tiles[0].relative_to(site)}"
                  + (f" (+{len(tiles) - 1} tiles)" if len(tiles) > 1 else ''), flush=True)
            for p in problems[:25]: print(f"        {p}")
            if len(problems) > 25: print(f"        ... and {len(problems) - 25} more")
            failed += bool(problems)
    finally:
        b.close()
    print(f"{len(pages) - failed} page(s) ok, {failed} failed in {time.time() - t0:.0f} s; screenshots in {shots}")
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
