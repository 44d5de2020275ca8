"""Usage: python3 .ci/import-loops.py CRATE/src [--quiet]

Import graph of one crate's src/: an edge A -> B when file A names a path
in module B in a `use` (crate::, super::, self::); lib.rs re-exports are
resolved to the module defining the name. Prints edges and every cycle
(strongly connected component with more than one file), both at file level
and with submodules folded into their top-level module."""
import os, re, sys
root = sys.argv[1]
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.relpath(os.path.join(d, f), root)
            parts = p[:-3].split('/')
            if parts[-1] in ('mod', 'lib'):
                parts = parts[:-1]
            files['::'.join(parts)] = open(os.path.join(d, f)).read()
# A binary crate's root is main.rs.
if '' not in files and 'main' in files:
    files[''] = files.pop('main')
mods = set(files)
lib = files['']
reexp = {}
for m in re.finditer(r'pub use ([\w:]+)::\{?([\w, ]+)\}?;', lib):
    for name in m.group(2).split(','):
        reexp[name.strip()] = m.group(1)
def uses(src):
    out = []
    # Top-level `use` items only: an indented one sits in an inline module
    # (such as `mod tests`), where `super` is this file's own module.
    for m in re.finditer(r'^(?:pub(?:\([\w:]+\))?\s+)?use\s+([^;]+);', src, re.M):
        out.append(m.group(1))
    # Paths written inline in code (not only in `use` items), outside
    # inline modules' indented `use` lines.
    for m in re.finditer(r'(?<![\w:])((?:crate|super)(?:::\w+)+)', src):
        line_start = src.rfind('\n', 0, m.start()) + 1
        if re.match(r'\s+use\b', src[line_start:m.start()]):
            continue
        out.append(m.group(1))
    return out
def flatten(tree):
    # expand a{b, c::{d}} into paths
    tree = re.sub(r'\s+', '', tree)
    def exp(s):
        i = s.find('{')
        if i < 0:
            return [s]
        depth = 0
        for j in range(i, len(s)):
            depth += s[j] == '{'
            depth -= s[j] == '}'
            if depth == 0:
                break
        inner, pre, post = s[i+1:j], s[:i], s[j+1:]
        parts, depth, cur = [], 0, ''
        for ch in inner:
            if ch == ',' and depth == 0:
                parts.append(cur); cur = ''
            else:
                depth += ch == '{'; depth -= ch == '}'; cur += ch
        if cur: parts.append(cur)
        return [x for p in parts for x in exp(pre + p + post)]
    return exp(tree)
def resolve(cur, path):
    segs = [s for s in path.split('::') if s]
    if not segs: return None
    if segs[0] == 'crate':
        base = []
        segs = segs[1:]
    elif segs[0] in ('super', 'self'):
        base = cur.split('::') if cur else []
        # a mod.rs file is its module; super goes one up
        while segs and segs[0] in ('super', 'self'):
            if segs[0] == 'super': base = base[:-1]
            segs = segs[1:]
    else:
        return None
    if not base and segs and segs[0] in reexp:
        return reexp[segs[0]].replace('::', '::')
    best = None
    for k in range(len(segs), -1, -1):
        cand = '::'.join(base + segs[:k])
        if cand in mods:
            best = cand; break
    return best
edges = set()
for m, src in files.items():
    src = re.sub(r'//[^\n]*', '', src)
    for u in uses(src):
        for p in flatten(u):
            t = resolve(m, p)
            if t is not None and t != m and t != "" and t in mods:
                edges.add((m, t))
def sccs(nodes, edges):
    adj = {n: [b for a, b in edges if a == n] for n in nodes}
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in adj[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for n in nodes:
        if n not in index: visit(n)
    return out
name = lambda m: m or 'lib'
if '--quiet' not in sys.argv:
    for a, b in sorted(edges):
        print(f'{name(a)} -> {name(b)}')
file_cycles = sccs(sorted(mods), edges)
print('file-level cycles:', file_cycles or 'none')
top = lambda m: m.split('::')[0]
tedges = {(top(a), top(b)) for a, b in edges if top(a) != top(b)}
module_cycles = sccs(sorted({top(m) for m in mods}), tedges)
print('top-level-module cycles:', module_cycles or 'none')
sys.exit(1 if file_cycles or module_cycles else 0)
