"""The residents' social network, as a sparse adjacency matrix with a community per resident.

Every generator takes its random generator from the ``network`` stream and builds the edge list
directly with numpy, so that a million residents take seconds, not the minutes networkx needs.
Self-loops and repeated ties are dropped; the graph is simple and undirected.

Generators (``network.kind``):

* ``sbm``: a community block model. Residents are grouped into communities of lognormal sizes;
  ties inside a community are drawn uniformly at random (an Erdos-Renyi block, mean degree
  ``degree_within``), ties across communities uniformly among pairs in different communities
  (mean degree ``degree_between``). Holland, Laskey & Leinhardt (1983).
* ``watts_strogatz``: a ring lattice of degree ``ws_k`` with each tie's far end rewired with
  probability ``ws_rewiring``; rewired ties that collide with others are dropped.
  Watts & Strogatz (1998); communities are contiguous arcs of the ring.
* ``barabasi_albert``: preferential attachment, ``ba_m`` ties per new node, by the
  Batagelj & Brandes (2005) edge-copy algorithm resolved with vectorised pointer jumping.
* ``complete``: every pair tied (for docking with models of complete mixing).
* ``file``: a GraphML file with a community attribute on every node, or an edge list with a
  node file giving each node's community.
"""

from __future__ import annotations

import csv
import math
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.scenario import Scenario


@dataclass
class Network:
    """A simple undirected graph over residents ``0..n-1``.

    ``adjacency`` is a symmetric CSR matrix of ones (float64); ``edges`` lists each tie once with
    ``u < v``; ``community`` gives each resident's community, in contiguous blocks (residents of
    community 0 first), so that per-community sums are one pass; ``community_links[a, b]``
    counts the ties between communities ``a`` and ``b``.
    """

    adjacency: sp.csr_matrix
    edges: np.ndarray
    community: np.ndarray
    n_communities: int

    def __post_init__(self) -> None:
        self.degree = np.diff(self.adjacency.indptr).astype(np.float64)
        self.inv_degree = np.divide(1.0, self.degree, out=np.zeros_like(self.degree), where=self.degree > 0)
        #: The same matrix in single precision, for counting neighbours in a 0/1 indicator: the
        #: counts are exact in float32 and the product reads half the memory.
        self._adjacency32 = self.adjacency.astype(np.float32)
        self.indptr = self.adjacency.indptr
        self.indices = self.adjacency.indices
        k = self.n_communities
        cu, cv = self.community[self.edges[:, 0]], self.community[self.edges[:, 1]]
        links = np.bincount(cu * k + cv, minlength=k * k).reshape(k, k)
        self.community_links = links + links.T - np.diag(np.diag(links))
        self.community_sizes = np.bincount(self.community, minlength=k)
        if np.any(np.diff(self.community) < 0) or np.any(self.community_sizes == 0):
            raise ValueError("residents must be ordered by community, every community non-empty")
        self.starts = np.concatenate([[0], np.cumsum(self.community_sizes)[:-1]]).astype(np.intp)

    def community_sum(self, x: np.ndarray) -> np.ndarray:
        """Sum of ``x`` over each community's residents (float64)."""
        if x.dtype == bool:
            return np.add.reduceat(x, self.starts, dtype=np.int64).astype(np.float64)
        return np.add.reduceat(x, self.starts, axis=0, dtype=np.float64)

    def by_resident(self, values: np.ndarray) -> np.ndarray:
        """Per-community ``values`` repeated for each resident (``values[community]``, five times
        faster: communities are contiguous blocks)."""
        return np.repeat(values, self.community_sizes)

    @property
    def n(self) -> int:
        return int(self.adjacency.shape[0])

    def neighbour_sum(self, x: np.ndarray) -> np.ndarray:
        """Sum of ``x`` over each resident's neighbours (one sparse matrix-vector product)."""
        return self.adjacency @ x

    def neighbour_count(self, mask: np.ndarray) -> np.ndarray:
        """Number of each resident's neighbours for whom the boolean ``mask`` holds (float64)."""
        return (self._adjacency32 @ mask.astype(np.float32)).astype(np.float64)

    def neighbours_of(self, idx: np.ndarray, *, with_counts: bool = False):
        """All neighbours of the residents ``idx``, concatenated (with repeats), in the order of
        ``idx``; with ``with_counts``, also each resident's number of ties."""
        starts = self.indptr[idx]
        lens = self.indptr[idx + 1] - starts
        ends = np.cumsum(lens)
        total = int(ends[-1]) if ends.size else 0
        if total == 0:
            out = np.zeros(0, dtype=self.indices.dtype)
        else:
            out = self.indices[np.repeat(starts - (ends - lens), lens) + np.arange(total)]
        return (out, lens) if with_counts else out

    def outcome_shares(self, good: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Residents with a neighbour in ``good`` or ``bad`` (two sets of residents), and for each
        of them the share of its neighbours in each set.

        Equal to ``neighbour_share`` of the two indicators restricted to the residents where
        either is non-zero, counting only the ties of the two sets (events, cases closed this
        week, are few).
        """
        n = self.n
        near, lens = self.neighbours_of(np.concatenate([good, bad]), with_counts=True)
        split = int(lens[:good.size].sum())
        count_good = np.bincount(near[:split], minlength=n)
        count_bad = np.bincount(near[split:], minlength=n)
        seen = np.flatnonzero(count_good + count_bad > 0)  # nonzero of a boolean: three times faster
        inv = self.inv_degree[seen]
        return seen, count_good[seen] * inv, count_bad[seen] * inv

    def neighbour_mask_share(self, mask: np.ndarray) -> np.ndarray:
        """Share of each resident's neighbours for whom the boolean ``mask`` holds; 0 with no ties."""
        return self.neighbour_count(mask) * self.inv_degree

    def neighbour_share(self, x: np.ndarray) -> np.ndarray:
        """Mean of ``x`` over each resident's neighbours; 0 for residents with no ties."""
        return (self.adjacency @ x) * self.inv_degree

    def to_networkx(self) -> nx.Graph:
        """The network as a networkx graph with a ``community`` node attribute (for small graphs)."""
        g = nx.Graph()
        g.add_nodes_from((i, {"community": int(c)}) for i, c in enumerate(self.community))
        g.add_edges_from(map(tuple, self.edges.tolist()))
        return g


class NeighbourCounter:
    """Each resident's number of neighbours in a boolean mask that changes little from one call
    to the next (who knows the channels, who took part recently).

    The first call counts with one sparse product; later calls add and remove the ties of the
    residents whose mask changed since the previous call, which costs their ties only. Counts are
    integers, so the result is exactly :meth:`Network.neighbour_count` of the mask whatever the
    order of the updates. When many residents changed, one product is cheaper and is used.
    """

    #: Above this share of residents changed, count anew with one product.
    RECOUNT_SHARE = 0.2

    def __init__(self, network: Network):
        self.network = network
        self._mask: np.ndarray | None = None
        self._count: np.ndarray | None = None

    def __call__(self, mask: np.ndarray) -> np.ndarray:
        """The counts for ``mask`` (float64, read-only: the counter keeps it for the next call)."""
        net = self.network
        changed = None if self._mask is None else np.flatnonzero(mask != self._mask)
        if changed is None or changed.size > self.RECOUNT_SHARE * net.n:
            self._count = net.neighbour_count(mask)
        elif changed.size:
            near, lens = net.neighbours_of(changed, with_counts=True)
            sign = np.where(mask[changed], 1.0, -1.0)  # +1 for each tie of one who joined, -1 left
            self._count += np.bincount(near, weights=np.repeat(sign, lens), minlength=net.n)
        self._mask = mask.copy()
        view = self._count.view()
        view.flags.writeable = False
        return view


def from_edges(n: int, u: np.ndarray, v: np.ndarray, community: np.ndarray, n_communities: int) -> Network:
    """Build a simple graph from possibly repeated, possibly self-looped ties."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    key = np.unique(lo * n + hi)
    lo, hi = (key // n).astype(np.int32), (key % n).astype(np.int32)
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    adj = sp.csr_matrix((np.ones(rows.size, dtype=np.float64), (rows, cols)), shape=(n, n))
    adj.sort_indices()
    return Network(adjacency=adj, edges=np.column_stack([lo, hi]), community=np.asarray(community, np.int32),
                   n_communities=int(n_communities))


def community_sizes(n: int, k: int, cv: float, rng: np.random.Generator) -> np.ndarray:
    """Sizes of ``k`` communities holding ``n`` residents, lognormal with coefficient of variation
    ``cv``, at least one resident each."""
    sigma = np.sqrt(np.log1p(cv**2))
    weights = rng.lognormal(0.0, sigma, size=k)
    return 1 + rng.multinomial(n - k, weights / weights.sum())


def block_model(sizes: np.ndarray, degree_within: float, degree_between: float,
                rng: np.random.Generator) -> Network:
    """Community block model with contiguous blocks of residents (see module docstring)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n, k = int(sizes.sum()), sizes.size
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    community = np.repeat(np.arange(k, dtype=np.int32), sizes)
    m_within = rng.poisson(sizes * degree_within / 2.0)
    edge_block = np.repeat(np.arange(k), m_within)
    bs, bn = starts[edge_block], sizes[edge_block]
    u_in = bs + (rng.random(edge_block.size) * bn).astype(np.int64)
    v_in = bs + (rng.random(edge_block.size) * bn).astype(np.int64)
    same_share = float(np.sum((sizes / n) ** 2))
    m_between = rng.poisson(n * degree_between / 2.0 / max(1e-12, 1.0 - same_share)) if k > 1 else 0
    u_b = rng.integers(0, n, size=m_between)
    v_b = rng.integers(0, n, size=m_between)
    cross = community[u_b] != community[v_b]
    return from_edges(n, np.concatenate([u_in, u_b[cross]]), np.concatenate([v_in, v_b[cross]]), community, k)


def watts_strogatz(sizes: np.ndarray, k: int, rewiring: float, rng: np.random.Generator) -> Network:
    """Ring lattice of even degree ``k`` with far ends rewired with probability ``rewiring``."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(sizes.sum())
    community = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    half = k // 2
    u = np.repeat(np.arange(n, dtype=np.int64), half)
    v = (u + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    rewire = rng.random(u.size) < rewiring
    v = np.where(rewire, rng.integers(0, n, size=u.size), v)
    return from_edges(n, u, v, community, sizes.size)


def barabasi_albert(sizes: np.ndarray, m: int, rng: np.random.Generator) -> Network:
    """Preferential attachment by the Batagelj & Brandes (2005) edge-copy algorithm.

    Position ``2e`` of the edge array holds the new node of edge ``e``; position ``2e+1`` copies
    the entry at a uniform position ``r < 2e+1``. Copies of copies are resolved by pointer
    jumping, which gives exactly the sequential algorithm's result.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(sizes.sum())
    community = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    n_edges = n * m
    e = np.arange(n_edges, dtype=np.int64)
    r = (rng.random(n_edges) * (2 * e + 1)).astype(np.int64)
    idx = r.copy()
    odd = np.flatnonzero(idx & 1)
    while odd.size:
        idx[odd] = r[(idx[odd] - 1) // 2]
        odd = odd[(idx[odd] & 1).astype(bool)]
    target = idx // (2 * m)
    source = e // m
    return from_edges(n, source, target, community, sizes.size)


def complete_graph(sizes: np.ndarray) -> Network:
    """Every pair of residents tied."""
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(sizes.sum())
    u, v = np.triu_indices(n, k=1)
    community = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    return from_edges(n, u, v, community, sizes.size)


def _by_community(codes: np.ndarray, u: np.ndarray, v: np.ndarray, k: int) -> Network:
    """Relabel nodes so that each community's residents are contiguous, then build the graph."""
    order = np.argsort(codes, kind="stable")
    new_id = np.empty_like(order)
    new_id[order] = np.arange(order.size)
    return from_edges(codes.size, new_id[u], new_id[v], codes[order], k)


def _label_fault(value: object) -> str | None:
    """Why ``value`` cannot be a community label (missing, blank, or NaN), else None.

    Each NaN is unequal to every other, so NaN labels would each make a community of their own."""
    if value is None:
        return "no value"
    if isinstance(value, str):
        if not value.strip():
            return "a blank value"
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, float) and math.isnan(value):
        return "the value NaN"
    return None


def _community_codes(labels: list[object], source: str, attr: str) -> tuple[np.ndarray, int]:
    """Map community labels to 0..K-1, numerically when every label is a number."""
    try:
        numeric = [float(x) for x in labels]
        order = sorted(set(numeric))
        index = {x: i for i, x in enumerate(order)}
        codes = np.array([index[x] for x in numeric], dtype=np.int32)
    except (TypeError, ValueError):
        order_s = sorted({str(x) for x in labels})
        index_s = {x: i for i, x in enumerate(order_s)}
        codes = np.array([index_s[str(x)] for x in labels], dtype=np.int32)
        order = order_s  # type: ignore[assignment]
    if not order:
        raise CoGovInputError(f"has no nodes with attribute '{attr}'", source=source, key="network.file")
    return codes, len(order)


def _graphml_node_lines(path: Path) -> dict[str, int]:
    """The line of each ``<node>`` of a GraphML file, by id, checking that ids are not blank and
    not repeated (networkx merges repeated nodes without a word, and a blank id is a node no
    edge can name clearly)."""
    src = str(path)
    lines: dict[str, int] = {}
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] != "node":
            return
        line = parser.CurrentLineNumber
        nid = attrs.get("id", "")
        if not nid.strip():
            raise CoGovInputError(f"line {line}: a node without an id; allowed: a unique id on every node",
                                  source=src, key="network.file")
        if nid in lines:
            raise CoGovInputError(f"line {line}: node {nid!r} is declared again (first on line {lines[nid]}); "
                                  "allowed: each node once", source=src, key="network.file")
        lines[nid] = line

    parser.StartElementHandler = start
    try:
        with path.open("rb") as fh:
            parser.ParseFile(fh)
    except (OSError, xml.parsers.expat.ExpatError) as exc:
        raise CoGovInputError(f"unreadable GraphML ({exc.__class__.__name__}: {exc})", source=src,
                              key="network.file") from None
    return lines


def _read_node_file(node_file: Path, attr: str) -> tuple[list[str], list[str]]:
    """Node names and community labels from a node file (CSV with a header), checking each row:
    a node name that is blank, repeated (the first would stay behind as a resident no tie
    reaches), or that an edge list cannot name (with a space, ``,`` or ``#``), and a community
    that is missing, blank or NaN, are refused with their line."""
    src = str(node_file)
    names: list[str] = []
    labels: list[str] = []
    first_line: dict[str, int] = {}

    def bad(line: int, what: str) -> CoGovInputError:
        return CoGovInputError(f"line {line}: {what}", source=src, key="network.node_file")

    try:
        with node_file.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, skipinitialspace=True)
            if reader.fieldnames is None or "node" not in reader.fieldnames or attr not in reader.fieldnames:
                raise CoGovInputError(f"needs columns 'node' and '{attr}'; allowed: a CSV with a header row",
                                      source=src, key="network.community_attribute")
            for row in reader:
                line = reader.line_num
                name = (row.get("node") or "").strip()
                if not name:
                    raise bad(line, "a node without a name; allowed: a name in the 'node' column of every row")
                if any(ch.isspace() or ch in ",#" for ch in name):
                    raise bad(line, f"node name {name!r} holds a space, ',' or '#', which an edge list cannot "
                                    "name; allowed: names without them")
                if name in first_line:
                    raise bad(line, f"node {name!r} is listed again (first on line {first_line[name]}); allowed: "
                                    "each node once")
                label = row.get(attr)
                fault = _label_fault(label)
                if fault is not None:
                    raise bad(line, f"node {name!r} has {fault} for '{attr}'; allowed: a community number or name "
                                    "on every row (not blank, not NaN)")
                first_line[name] = line
                names.append(name)
                labels.append(label.strip())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CoGovInputError(f"unreadable node file ({exc.__class__.__name__})", source=src,
                              key="network.node_file") from None
    if not names:
        raise CoGovInputError("has no nodes; allowed: a CSV with a header row and one row per node", source=src,
                              key="network.node_file")
    return names, labels


def load_graph_file(path: Path, attr: str, node_file: Path | None) -> Network:
    """Read a GraphML file, or an edge list with a node file, into a :class:`Network`."""
    src = str(path)
    if not path.is_file():
        raise CoGovInputError("network file not found; allowed: a GraphML or edge-list file", source=src,
                              key="network.file")
    if path.suffix.lower() in (".graphml", ".xml"):
        try:
            g = nx.read_graphml(path)
        except Exception as exc:  # networkx raises several parser errors
            raise CoGovInputError(f"unreadable GraphML ({exc.__class__.__name__}: {exc})", source=src,
                                  key="network.file") from None
        nodes = list(g.nodes)
        lines = _graphml_node_lines(path)
        missing = [nd for nd in nodes if attr not in g.nodes[nd]]
        if missing or not nodes:
            first = f" (the first on line {lines[str(missing[0])]})" if missing and str(missing[0]) in lines else ""
            raise CoGovInputError(f"{len(missing)} of {len(nodes)} nodes lack the community attribute '{attr}'"
                                  f"{first}; allowed: every node with '{attr}' (set network.community_attribute)",
                                  source=src, key="network.community_attribute")
        for nd in nodes:
            fault = _label_fault(g.nodes[nd][attr])
            if fault is not None:
                raise CoGovInputError(f"line {lines.get(str(nd), '?')}: node {str(nd)!r} has {fault} for '{attr}'; "
                                      "allowed: a community number or name on every node (not blank, not NaN)",
                                      source=src, key="network.community_attribute")
        pos = {nd: i for i, nd in enumerate(nodes)}
        codes, k = _community_codes([g.nodes[nd][attr] for nd in nodes], src, attr)
        ed = np.array([(pos[a], pos[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
        return _by_community(codes, ed[:, 0], ed[:, 1], k)
    if node_file is None:
        raise CoGovInputError("an edge list needs network.node_file with each node's community; allowed: a CSV "
                              f"with columns 'node' and '{attr}', or a GraphML file", source=src,
                              key="network.node_file")
    if not node_file.is_file():
        raise CoGovInputError("node file not found", source=str(node_file), key="network.node_file")
    names, labels = _read_node_file(node_file, attr)
    pos = {nm: i for i, nm in enumerate(names)}
    codes, k = _community_codes(labels, str(node_file), attr)
    us, vs = [], []
    try:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.split("#", 1)[0].replace(",", " ").strip()
                if not line:
                    continue
                parts = line.split()
                if len(parts) < 2:
                    raise CoGovInputError(f"line {lineno} is not 'u v'; allowed: two node names per line",
                                          source=src, key="network.file")
                a, b = parts[0], parts[1]
                if a not in pos or b not in pos:
                    raise CoGovInputError(f"line {lineno} names node '{a if a not in pos else b}' missing from "
                                          "the node file", source=src, key="network.file")
                us.append(pos[a])
                vs.append(pos[b])
    except UnicodeDecodeError:
        raise CoGovInputError("unreadable edge list (not UTF-8 text)", source=src, key="network.file") from None
    return _by_community(codes, np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), k)


def build_network(scenario: Scenario, rng: np.random.Generator) -> Network:
    """The network a scenario asks for, drawn from ``rng`` (the ``network`` stream)."""
    net = scenario.network
    n, k = scenario.population.residents, scenario.space.communities
    if net.kind == "file":
        base = Path(scenario.base_dir or ".")
        node_file = (base / net.node_file) if net.node_file else None
        return load_graph_file(base / net.file, net.community_attribute, node_file)
    sizes = community_sizes(n, k, scenario.population.community_size_cv, rng)
    if net.kind == "sbm":
        return block_model(sizes, net.degree_within, net.degree_between, rng)
    if net.kind == "watts_strogatz":
        return watts_strogatz(sizes, net.ws_k, net.ws_rewiring, rng)
    if net.kind == "barabasi_albert":
        return barabasi_albert(sizes, net.ba_m, rng)
    if net.kind == "complete":
        return complete_graph(sizes)
    raise CoGovInputError(f"unknown network kind {net.kind!r}", key="network.kind")  # pragma: no cover
