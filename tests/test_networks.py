"""Seeded network generators and network files."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.networks import (
    NeighbourCounter,
    barabasi_albert,
    block_model,
    build_network,
    community_sizes,
    load_graph_file,
    watts_strogatz,
)
from cogov_sim.model.scenario import Scenario


def rng(seed=1):
    return np.random.default_rng(seed)


def test_block_model_degrees_and_community_structure():
    sizes = community_sizes(20_000, 10, 0.3, rng())
    assert sizes.sum() == 20_000 and (sizes >= 1).all()
    net = block_model(sizes, 8.0, 2.0, rng())
    assert net.degree.mean() == pytest.approx(10.0, rel=0.05)
    within = np.trace(net.community_links) / net.edges.shape[0]
    assert within == pytest.approx(0.8, abs=0.03)
    assert (net.edges[:, 0] < net.edges[:, 1]).all()
    assert net.adjacency.nnz == 2 * net.edges.shape[0]
    assert (abs(net.adjacency - net.adjacency.T)).nnz == 0


def test_generators_are_seeded():
    s = Scenario()
    a = build_network(s, rng(5))
    b = build_network(s, rng(5))
    c = build_network(s, rng(6))
    assert np.array_equal(a.edges, b.edges) and not np.array_equal(a.edges, c.edges)


def test_watts_strogatz_without_rewiring_is_a_ring_lattice():
    net = watts_strogatz(np.array([50, 50]), 4, 0.0, rng())
    assert (net.degree == 4).all()
    g = net.to_networkx()
    assert g.has_edge(0, 1) and g.has_edge(0, 2) and g.has_edge(0, 99) and not g.has_edge(0, 3)


def test_barabasi_albert_has_a_heavy_tail():
    net = barabasi_albert(np.array([20_000]), 3, rng())
    assert net.degree.mean() == pytest.approx(6.0, rel=0.05)
    assert net.degree.max() > 20 * net.degree.mean()
    assert nx.is_connected(net.to_networkx())


def test_graphml_with_communities(tmp_path):
    g = nx.karate_club_graph()
    for v in g.nodes:
        g.nodes[v]["community"] = 0 if g.nodes[v]["club"] == "Mr. Hi" else 1
        del g.nodes[v]["club"]
    path = tmp_path / "karate.graphml"
    nx.write_graphml(g, path)
    net = load_graph_file(path, "community", None)
    assert net.n == 34 and net.edges.shape[0] == 78 and net.n_communities == 2
    assert (np.diff(net.community) >= 0).all()


def test_edge_list_with_node_file(tmp_path):
    (tmp_path / "e.txt").write_text("# ties\na b\nb c\nc a\nc d\n", encoding="utf-8")
    (tmp_path / "n.csv").write_text("node,community\na,x\nb,y\nc,x\nd,y\n", encoding="utf-8")
    net = load_graph_file(tmp_path / "e.txt", "community", tmp_path / "n.csv")
    assert net.n == 4 and net.edges.shape[0] == 4 and net.community.tolist() == [0, 0, 1, 1]


def test_bad_network_files(tmp_path):
    g = nx.path_graph(4)
    nx.write_graphml(g, tmp_path / "g.graphml")
    with pytest.raises(CoGovInputError, match="lack the community attribute 'community'"):
        load_graph_file(tmp_path / "g.graphml", "community", None)
    (tmp_path / "bad.graphml").write_text("<graphml><oops", encoding="utf-8")
    with pytest.raises(CoGovInputError, match="unreadable GraphML"):
        load_graph_file(tmp_path / "bad.graphml", "community", None)
    (tmp_path / "e.txt").write_text("a b\n", encoding="utf-8")
    with pytest.raises(CoGovInputError, match="node_file"):
        load_graph_file(tmp_path / "e.txt", "community", None)


NET = block_model(np.array([40, 25, 35]), 6.0, 1.5, rng(3))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0)), min_size=1, max_size=8))
def test_neighbour_counter_equals_a_fresh_count(changes):
    """Kept up to date from the residents that changed (few or many), the counts are exactly
    those of one sparse product of the current mask."""
    counter = NeighbourCounter(NET)
    mask = np.zeros(NET.n, dtype=bool)
    for seed, share in changes:
        flip = np.random.default_rng(seed).random(NET.n) < share * share  # mostly small changes
        mask = mask ^ flip
        got = counter(mask)
        assert np.array_equal(got, NET.neighbour_count(mask))
        assert not got.flags.writeable


def test_outcome_shares_match_the_shares_of_all_neighbours():
    good, bad = np.array([3, 50, 51, 99]), np.array([0, 3, 60])
    seen, g, b = NET.outcome_shares(good, bad)
    indicator_g, indicator_b = np.zeros(NET.n), np.zeros(NET.n)
    indicator_g[good], indicator_b[bad] = 1.0, 1.0
    share_g, share_b = NET.neighbour_share(indicator_g), NET.neighbour_share(indicator_b)
    assert seen.tolist() == np.flatnonzero(share_g + share_b).tolist()
    np.testing.assert_array_equal(g, share_g[seen])
    np.testing.assert_array_equal(b, share_b[seen])
    assert NET.outcome_shares(np.array([], dtype=np.int64), np.array([], dtype=np.int64))[0].size == 0
