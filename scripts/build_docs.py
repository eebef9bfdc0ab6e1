#!/usr/bin/env python
"""Build the documentation site `_site/` (static HTML, no network needed to view it) with Sphinx + MyST-NB.

Pages: the home page (the claims summary, `results/README.md`), the README, CONTRIBUTING, one page per notebook
and one API page per exported module (autodoc: the docstrings and signatures of `attnrepro.<module>.__all__`).
Experiment notebooks are the executed copies that `make reproduce` keeps in `<results root>/notebooks/<profile>/`,
rendered with their stored outputs (nothing is executed here); profile quick first, else full, else smoke (the
page says which, and that it is a fallback). Library notebooks, and any experiment notebook without an executed
copy, are rendered from `nbs/` as source. Math is typeset in the browser by MathJax 3 (SVG output), copied into the
site from the `django-static-mathjax` wheel: no CDN.

    python scripts/build_docs.py                      # -> _site/ (uses build/docs/ for the staged sources)
    python scripts/build_docs.py --profile smoke      # show the smoke notebooks
    python scripts/build_docs.py --notebooks DIR --nbs-dir DIR --out DIR --api core   # a small page set (tests)
"""
import argparse, importlib.util, json, os, posixpath, re, shutil, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
PROFILE_ORDER = ('quick', 'full', 'smoke')
SMOKE_ROOT = root/'build'/'smoke_results'/'reproduce'   # where `make reproduce PROFILE=smoke` writes (reproduce.py)

def results_root() -> Path:
    return Path(os.environ.get('ATTNREPRO_RESULTS', root/'results'))

def find_executed(profile=None) -> tuple:
    "(profile, folder) of the executed notebooks to show: `profile` if given, else quick, full, smoke -- the first present."
    order = [profile] if profile else PROFILE_ORDER
    for p in order:
        for base in (results_root(), root/'results', SMOKE_ROOT):
            d = base/'notebooks'/p
            if d.is_dir() and any(d.glob('*.ipynb')): return p, d
    return (profile, None)

def nb_cells(nb: Path) -> list:
    return json.loads(nb.read_text(encoding='utf-8')).get('cells', [])

def nb_modules(nb: Path) -> list:
    "Modules a notebook exports to (`#| default_exp X`, `#| export X`), in order."
    mods = []
    for c in nb_cells(nb):
        if c.get('cell_type') != 'code': continue
        for m in re.findall(r'^#\|\s*(?:default_exp|export|exports)\s+([\w.]+)\s*$', ''.join(c.get('source', '')), re.M):
            if m not in mods: mods.append(m)
    return mods

def is_experiment(nb: Path) -> bool:
    return any(c.get('cell_type') == 'code' and 'parameters' in c.get('metadata', {}).get('tags', []) for c in nb_cells(nb))

def md_cell(text: str) -> dict:
    return {'cell_type': 'markdown', 'metadata': {}, 'source': text}

def title_of(nb: Path) -> str:
    for c in nb_cells(nb):
        if c.get('cell_type') == 'markdown':
            m = re.search(r'^#\s+(.+)$', ''.join(c['source']), re.M)
            if m: return m.group(1).strip()
    return nb.stem

def stage_notebook(src: Path, dest: Path, note: str, figures: str = ''):
    "Copy a notebook, with a provenance note inserted after its title cell (the title stays the page title)."
    nb = json.loads(src.read_text(encoding='utf-8'))
    cells = nb.get('cells', [])
    at = next((i + 1 for i, c in enumerate(cells) if c.get('cell_type') == 'markdown'
               and re.search(r'^#\s', ''.join(c['source']), re.M)), 0)
    cells.insert(at, md_cell(note))
    if figures: cells.append(md_cell(figures))
    # A page has one title: later level-1 headings become level 2 (and so on down); cells holding nothing but nbdev
    # directives (`#| default_exp x`) are not shown.
    for c in cells[at + 1:]:
        if c.get('cell_type') == 'markdown':
            c['source'] = shift_headings(''.join(c['source']), 1).rstrip('\n')
    nb['cells'] = [c for c in cells if not (c.get('cell_type') == 'code' and not c.get('outputs')
                   and all(l.startswith('#|') or not l.strip() for l in ''.join(c.get('source', '')).splitlines()))]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding='utf-8')

def shift_headings(text: str, by: int = 1) -> str:
    "Demote every ATX heading outside code fences by `by` levels."
    out, fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith('```'): fence = not fence
        if not fence and re.match(r'#{1,5}\s', line):
            line = '#' * by + line if by >= 0 else re.sub(r'^#{1,%d}' % -by, '', line) if re.match(r'#{%d}#' % -by, line) else line
        out.append(line)
    return '\n'.join(out) + '\n'

def rewrite_links(text: str, fn) -> str:
    "Apply `fn` to the target of every markdown link/image `](target)` that is relative (not a URL, not a #fragment)."
    def sub(m):
        t = m.group(1)
        if re.match(r'^[a-z][a-z0-9+.-]*:', t, re.I) or t.startswith('#'): return m.group(0)
        return f"]({fn(t)})"
    return re.sub(r'\]\(([^)\s]+)\)', sub, text)

def unlink_headings(text: str) -> str:
    """A link inside a heading breaks Sphinx's page toc (KeyError 'anchorname'): `## Claims ([claims.csv](claims.csv))`
    -> `## Claims (claims.csv)` with the link on a line below it. Outside code fences; images are left alone."""
    out, fence, link = [], False, re.compile(r'(?<!!)\[([^\]]+)\]\(([^)\s]+)\)')
    for line in text.splitlines():
        if line.lstrip().startswith('```'): fence = not fence
        if not fence and re.match(r'#{1,6}\s', line) and link.search(line):
            targets = [t for _, t in link.findall(line)]
            out += [link.sub(r'\1', line), '', ' · '.join(f"[`{t}`]({t})" for t in targets), '']
        else: out.append(line)
    return '\n'.join(out) + '\n'

def mathjax_file() -> Path:
    spec = importlib.util.find_spec('mathjax')
    f = Path(spec.submodule_search_locations[0])/'static'/'mathjax'/'es5'/'tex-svg-full.js' if spec else None
    if f is None or not f.exists():
        sys.exit("MathJax not found: install the docs requirements (`make docs` runs "
                 "`pip install -r requirements-docs.txt`, which brings django-static-mathjax)")
    return f

def stage(a) -> dict:
    src = a.build/'src'
    if src.exists(): shutil.rmtree(src)
    (src/'_static'/'mathjax').mkdir(parents=True)
    shutil.copy2(mathjax_file(), src/'_static'/'mathjax'/'tex-svg-full.js')
    shutil.copy2(root/'docs'/'site.css', src/'_static'/'site.css')
    shutil.copy2(root/'docs'/'conf.py', src/'conf.py')

    profile, executed = (a.profile, a.notebooks) if a.notebooks else find_executed(a.profile)
    sources = sorted(nb for nb in a.nbs_dir.glob('*.ipynb') if re.match(r'\d\d_', nb.name) and int(nb.name[:2]) < 90)
    run_nbs = {nb.name: nb for nb in sorted(executed.glob('*.ipynb'))} if executed else {}
    # every executed notebook gets a page, also one whose source is not (or no longer) in nbs/
    sources = sorted(sources + [nb for n, nb in run_nbs.items() if n not in {s.name for s in sources}], key=lambda nb: nb.name)
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=root, capture_output=True, text=True).stdout.strip()
    fallback = bool(executed) and profile != 'quick' and a.profile is None and a.notebooks is None
    if executed and not fallback: shown = f"profile **{profile}**, from `{rel(executed)}/`"
    elif executed: shown = (f"profile **{profile}**, from `{rel(executed)}/` — **not** the quick run: "
                            f"`results/notebooks/quick/` has no notebook yet, so this falls back to the profile that exists")
    else: shown = "**none**: no executed notebooks were found (run `make reproduce`); the notebooks are shown as source"

    modules = a.api if a.api is not None else sorted(p.stem for p in (root/'attnrepro').glob('*.py') if not p.stem.startswith('_'))
    mod_nb = {}
    for nb in sources:
        for m in nb_modules(nb): mod_nb.setdefault(m, nb)
    exp_pages, lib_pages = [], []
    for nb in sources:
        mods = [m for m in nb_modules(nb) if m in modules]
        api = ', '.join(f"[`attnrepro.{m}`](../api/{m}.md)" for m in mods)
        api = f" API: {api}." if api else ''
        if nb.name in run_nbs:
            meta = json.loads(run_nbs[nb.name].read_text(encoding='utf-8')).get('metadata', {}).get('papermill', {})
            when = meta.get('start_time', '')[:19].replace('T', ' ')
            note = (f"*Executed notebook* — profile **{profile}**" + (f", run {when} UTC" if when else '') +
                    f", kept by `make reproduce` as `{rel(run_nbs[nb.name])}`; the outputs below are that run's." + api)
            if fallback: note += " (Fallback: `results/notebooks/quick/` has no executed copy yet.)"
            # The notebooks save their figures to <results root>/<paper>/*.png (and close them): show those files.
            key, figs = re.sub(r'^\d+_', '', nb.stem), ''
            pngs = sorted((executed.parent.parent/re.sub(r'^\d+_', '', nb.stem)).glob('*.png'))
            if pngs:
                (src/'notebooks'/'figures'/key).mkdir(parents=True, exist_ok=True)
                figs = (f"## Figures\n\nThe notebook saves its figures as files rather than showing them inline; "
                        f"these are the ones in `{rel(executed.parent.parent/key)}/` at this build:\n\n")
                for f in pngs:
                    shutil.copy2(f, src/'notebooks'/'figures'/key/f.name)
                    figs += f"`{key}/{f.name}`\n\n![{key}/{f.name}](figures/{key}/{f.name})\n\n"
            stage_notebook(run_nbs[nb.name], src/'notebooks'/nb.name, note, figs); exp_pages.append(nb)
        else:
            what = ("*Source notebook* (experiment) — no executed copy for this profile, so no outputs are shown"
                    if is_experiment(nb) else "*Source notebook* (library) — its demos and tests run under `make test`; outputs are not kept")
            stage_notebook(nb, src/'notebooks'/nb.name, f"{what}: `nbs/{nb.name}`." + api)
            (exp_pages if is_experiment(nb) else lib_pages).append(nb)
    for m in modules:
        nb = mod_nb.get(m)
        back = f"Exported from [`nbs/{nb.name}`](../notebooks/{nb.name})." if nb and nb in exp_pages + lib_pages else ''
        (src/'api').mkdir(exist_ok=True)
        (src/'api'/f'{m}.md').write_text(f"# `attnrepro.{m}`\n\n{back}\n\n```{{eval-rst}}\n.. automodule:: attnrepro.{m}\n```\n")

    # Home: the claims summary, results/README.md. Each paper folder results/<paper>/ is copied beside the pages (its
    # links point at the CSVs and figures there); its page results/<paper>.md is the folder's own README.md (full
    # tables, written by write_summary), and the paper's section stays on the home page (claims first). A paper
    # without a README.md gets its section of results/README.md as its page instead (the older layout).
    res_readme = a.results/'README.md'
    summary = res_readme.read_text(encoding='utf-8') if res_readme.exists() else '# Results\n\n(no results/README.md yet: run `make reproduce`)\n'
    papers = sorted(p.name for p in a.results.iterdir() if p.is_dir() and p.name not in ('notebooks', '_executed')
                    and not p.name.startswith('.')) if a.results.exists() else []
    for name in papers:
        shutil.copytree(a.results/name, src/'results'/name, ignore=shutil.ignore_patterns('*.md'))  # pages: below
    paper_pages = [n for n in papers if (a.results/n/'README.md').exists()]
    parts = re.split(r'^(?=## )', summary, flags=re.M)
    summary, sections, order = parts[0], {}, []
    for part in parts[1:]:
        name = part.splitlines()[0][3:].strip()
        if name == 'notebooks': continue   # the kept executed notebooks are no paper (write_summary lists every folder)
        order.append(name)
        if name in papers and name not in paper_pages: sections[name] = part
        else: summary += part              # 'How to read this', 'Overview', a paper's claims
    paper_pages = sorted(set(paper_pages) | set(sections), key=lambda n: (n not in order, order.index(n) if n in order else 0, n))

    def site_target(t: str, base: str) -> str:
        "A link `t` of a results page whose folder is `base` (relative to results/) -> its target relative to the site root."
        path, _, frag = t.partition('#')
        path = posixpath.normpath(posixpath.join(base, path)) if path else ''
        if path == 'README.md': path = 'index.md'
        elif re.fullmatch(r'(\w+)/README\.md', path) and path.split('/')[0] in paper_pages: path = f"results/{path.split('/')[0]}.md"
        elif path: path = f"results/{path}"
        return path + (f"#{frag}" if frag else '')
    for name in paper_pages:
        (src/'results').mkdir(exist_ok=True)
        if name in sections:
            page = (f"# Results: {name}\n\nFrom `results/README.md`; every row records its profile, budget, hardware, seed "
                    f"and commit.\n\n" + shift_headings(sections[name].split('\n', 1)[1], -1))
            page = rewrite_links(page, lambda t: posixpath.relpath(site_target(t, '.'), 'results'))
        else:
            page = rewrite_links((a.results/name/'README.md').read_text(encoding='utf-8'),
                                 lambda t, n=name: posixpath.relpath(site_target(t, n), 'results'))
        (src/'results'/f"{name}.md").write_text(unlink_headings(page), encoding='utf-8')
    summary = unlink_headings(summary)
    summary = re.sub(r'^\| notebooks \|.*\n', '', summary, flags=re.M)
    summary = re.sub(r'^#\s.*\n', '', summary, count=1)          # its '# Results' title: the home page has its own
    summary = rewrite_links(summary, lambda t: site_target(t, '.'))
    summary = re.sub(r'^\| (\w+) \|', lambda m: f"| [{m.group(1)}](results/{m.group(1)}.md) |" if m.group(1) in paper_pages
                     else m.group(0), summary, flags=re.M)   # paper names in the summary tables link to their tables
    readme = (a.readme.read_text(encoding='utf-8') if a.readme and a.readme.exists() else '')
    intro = next((p for p in readme.split('\n\n')[1:] if p.strip() and not p.startswith('#')), '')
    intro = rewrite_links(intro, lambda t: {'results/README.md': '#claims-summary'}.get(t, t))
    toc = lambda cap, pages: f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n:caption: {cap}\n\n" + ''.join(f"{p}\n" for p in pages) + "```\n\n"
    pages = (['readme'] if readme else []) + (['contributing'] if a.contributing and a.contributing.exists() else [])
    head = (f"# attnrepro\n\n{intro}\n\n"
            f"This site is built by `make docs` (checked in a headless browser by `make docs-check`) at commit `{commit}`. "
            f"Executed notebooks shown: {shown}.\n\n")
    head += toc('Project', pages) if pages else ''
    head += toc('Result tables', [f"results/{p}" for p in paper_pages]) if paper_pages else ''
    head += toc('Experiment notebooks', [f"notebooks/{nb.stem}" for nb in exp_pages]) if exp_pages else ''
    head += toc('Library notebooks', [f"notebooks/{nb.stem}" for nb in lib_pages]) if lib_pages else ''
    head += toc('API', [f"api/{m}" for m in modules]) if modules else ''
    head += "## Claims summary\n\nFrom `results/README.md`, written by `make reproduce`" + (
        "; the tables of each paper: " + ' · '.join(f"[{p}](results/{p}.md)" for p in paper_pages) if paper_pages else '') + ".\n\n"
    head += shift_headings(summary, 1)
    if exp_pages or lib_pages:
        head += "## Notebooks\n\n| notebook | page | outputs | API |\n|---|---|---|---|\n"
        for nb in exp_pages + lib_pages:
            outs = f"executed, {profile}" if nb.name in run_nbs else 'source only'
            api = ', '.join(f"[`{m}`](api/{m}.md)" for m in nb_modules(nb) if m in modules) or '–'
            head += f"| `{nb.stem}` | [{title_of(nb)}](notebooks/{nb.name}) | {outs} | {api} |\n"
        head += '\n'
    if pages:
        head += "## Project\n\n" + ' · '.join(f"[{t}]({p}.md)" for p, t in (('readme', 'README'), ('contributing', 'CONTRIBUTING')) if p in pages) + '\n'
    (src/'index.md').write_text(head)
    if readme:
        def fix(t):
            if t.startswith('results/notebooks/'): return 'index.md#notebooks'    # the executed copies: the site's pages
            return {'results/README.md': 'index.md', 'CONTRIBUTING.md': 'contributing.md', 'results/': 'index.md'}.get(t, t)
        readme = rewrite_links(readme, fix)
        readme = re.sub(r'(?<!\[)`nbs/(\d\d_\w+)\.ipynb`', lambda m: f"[`nbs/{m.group(1)}.ipynb`](notebooks/{m.group(1)}.ipynb)"
                        if (src/'notebooks'/f"{m.group(1)}.ipynb").exists() else m.group(0), readme)
        (src/'readme.md').write_text(readme)
    if 'contributing' in pages:
        (src/'contributing.md').write_text(rewrite_links(a.contributing.read_text(encoding='utf-8'),
                                                         lambda t: {'README.md': 'readme.md'}.get(t, t)))
    info = {'profile': profile, 'fallback': fallback, 'executed': rel(executed) if executed else None, 'commit': commit,
            'notebooks': [f"notebooks/{nb.stem}.html" for nb in exp_pages + lib_pages],
            'executed_pages': [f"notebooks/{nb.stem}.html" for nb in exp_pages if nb.name in run_nbs]}
    return info

def rel(p: Path) -> str:
    try: return str(Path(p).resolve().relative_to(root))
    except ValueError: return str(p)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', type=Path, default=root/'_site', help='site folder (default _site/)')
    ap.add_argument('--build', type=Path, default=root/'build'/'docs', help='staging folder (default build/docs/)')
    ap.add_argument('--profile', choices=PROFILE_ORDER, default=None, help='profile of the executed notebooks (default: quick, else full, else smoke)')
    ap.add_argument('--notebooks', type=Path, default=None, help='folder of executed notebooks (overrides --profile lookup)')
    ap.add_argument('--nbs-dir', type=Path, default=root/'nbs', help='source notebooks (default nbs/)')
    ap.add_argument('--results', type=Path, default=root/'results', help='results folder whose README.md is the home page')
    ap.add_argument('--readme', type=Path, default=root/'README.md')
    ap.add_argument('--contributing', type=Path, default=root/'CONTRIBUTING.md')
    ap.add_argument('--api', nargs='*', default=None, help='modules for API pages (default: every attnrepro module)')
    a = ap.parse_args(argv)
    info = stage(a)
    if a.out.exists(): shutil.rmtree(a.out)
    # Sphinx writes into build/docs/html (MyST-NB puts its jupyter_execute/ beside that folder), then it moves to --out.
    log, html = a.build/'warnings.txt', a.build/'html'
    if html.exists(): shutil.rmtree(html)
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '--keep-going', '-w', str(log), '-d', str(a.build/'doctrees'),
           str(a.build/'src'), str(html)]
    env = dict(os.environ, MPLBACKEND='Agg', PYTHONWARNINGS='ignore')
    r = subprocess.run(cmd, cwd=root, env=env, stderr=subprocess.DEVNULL)
    # Every warning fails the build (a missing page, a broken cross-reference, a notebook that does not parse), except
    # the formatting of a docstring in the package (docutils on attnrepro/*.py): reported, and the page still builds.
    warns = [w for w in re.split(r'\n(?=\S)', log.read_text(encoding='utf-8').strip()) if w.strip()] if log.exists() else []
    soft = [w for w in warns if re.match(r'\S*attnrepro\S*\.py:docstring of ', w) and '[docutils]' in w]
    hard = [w for w in warns if w not in soft]
    for w in soft: print(f"docstring formatting (not fatal): {w}", file=sys.stderr)
    for w in hard: print(f"ERROR: {w}", file=sys.stderr)
    if r.returncode or hard:
        print(f"sphinx-build failed (exit {r.returncode}, {len(hard)} warning(s)): {' '.join(cmd)}", file=sys.stderr)
        return r.returncode or 1
    shutil.move(str(html), str(a.out))
    (a.out/'_site.json').write_text(json.dumps(info, indent=1))
    print(f"site: {a.out}/index.html  ({len(info['notebooks'])} notebook pages; executed notebooks: "
          f"{info['executed'] or 'none'}{' -- fallback: no quick notebooks, profile ' + info['profile'] if info['fallback'] else ''})")
    return 0

if __name__ == '__main__':
    sys.exit(main())
