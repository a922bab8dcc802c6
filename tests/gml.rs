//! GML: files written by networkx and igraph (scripts/make_gml_fixtures.py), the format's
//! features, and bad input.

use std::io::Cursor;

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, Problem, ReadError, Source, gml};
use connectoscope::model::{EdgeKind, Sign, WarningCode};

mod common;
use common::load;

fn fixture(name: &str) -> Connectome {
    load(&format!("{}/tests/fixtures/gml/{name}", env!("CARGO_MANIFEST_DIR")))
}

fn read(text: &str) -> Result<Connectome, ReadError> {
    gml::read(
        Source::reader("test.gml", Cursor::new(text.as_bytes().to_vec())),
        &LoadOptions::default(),
    )
}

fn weight(c: &Connectome, kind: EdgeKind, pre: &str, post: &str) -> f64 {
    let (a, b) = (c.neurons.find(pre).unwrap(), c.neurons.find(post).unwrap());
    let e = c.edges(kind);
    e.get(e.find(a, b).unwrap_or_else(|| panic!("{pre} -> {post}"))).weight
}

#[test]
fn networkx_directed_graph_with_attributes() {
    let c = fixture("nx_directed.gml");
    let n = &c.neurons;
    // Labels name the nodes; networkx's character references are decoded.
    assert_eq!(n.names(), ["AVAL", "AVAR", "DD\"1é"]);
    assert_eq!(n.cell_type.get(2), Some("motor"));
    assert_eq!(n.neurotransmitter.get(0), Some("Acetylcholine"));
    assert_eq!(n.position[0], Some([1.5, -2.0, 3.25]));
    assert_eq!(n.sign[2], Sign::Inhibitory);
    assert_eq!(c.weight_unit, "synapses");
    assert_eq!((c.chemical.len(), c.other.len(), c.undirected.len()), (2, 1, 0));
    assert_eq!(weight(&c, EdgeKind::Chemical, "AVAL", "DD\"1é"), 3.0);
    let back = c.chemical.get(c.chemical.find(2, 0).unwrap());
    assert_eq!((back.weight, back.sign), (1.5, Sign::Inhibitory));
    // An unknown type: kind other, value kept, reported.
    assert_eq!(c.other.original_type(0), Some("AlphaSynapse"));
    assert_eq!(c.import_report.get(WarningCode::UnknownKind).unwrap().count, 1);
}

#[test]
fn networkx_undirected_graph_is_undirected_connections() {
    let c = fixture("nx_undirected.gml");
    assert_eq!(c.neurons.names(), ["AIBL", "AIBR", "RIML", "RIMR"]);
    assert_eq!((c.chemical.len(), c.electrical.len(), c.undirected.len()), (0, 0, 3));
    assert_eq!(c.undirected.total_weight(), 7.0);
    assert_eq!(weight(&c, EdgeKind::Undirected, "RIML", "RIMR"), 2.0);
    assert_eq!(c.import_report.get(WarningCode::UndirectedEdges).unwrap().count, 3);
}

#[test]
fn networkx_multigraph_parallel_edges_are_summed_and_reported() {
    let c = fixture("nx_multigraph.gml");
    assert_eq!(c.neurons.names(), ["a", "b", "c"]);
    assert_eq!(weight(&c, EdgeKind::Chemical, "a", "b"), 3.0);
    assert_eq!(weight(&c, EdgeKind::Chemical, "b", "c"), 1.0);
    assert_eq!(weight(&c, EdgeKind::Electrical, "a", "b"), 5.0);
    assert_eq!((c.chemical.len(), c.electrical.len()), (2, 1));
    assert_eq!(c.import_report.get(WarningCode::MergedDuplicates).unwrap().count, 1);
}

#[test]
fn igraph_directed_and_undirected() {
    let c = fixture("igraph_directed.gml");
    // igraph names nodes with `name`; `class` annotates them.
    assert_eq!(c.neurons.names(), ["ASHL", "ASHR", "AVAL", "AVAR"]);
    assert_eq!(c.neurons.class.get(3), Some("AVA"));
    assert_eq!((c.chemical.len(), c.chemical.total_weight()), (3, 10.5));
    assert_eq!(weight(&c, EdgeKind::Chemical, "ASHL", "AVAL"), 3.0);
    assert_eq!(c.import_report.get(WarningCode::MergedDuplicates).unwrap().count, 1);
    let u = fixture("igraph_undirected.gml");
    assert_eq!(u.neurons.names(), ["n0", "n1", "n2", "n3", "n4"]);
    assert_eq!((u.undirected.len(), u.undirected.total_weight()), (5, 15.0));
    assert_eq!(weight(&u, EdgeKind::Undirected, "n0", "n4"), 5.0);
    for c in [c, u] {
        c.check_invariants().unwrap();
    }
}

#[test]
fn gml_features_by_hand() {
    let c = read(
        "# a comment\nCreator \"hand\"\ngraph [\n  directed 1\n  weight_unit \"EM sections\"\n\
         node [ id 7 label \"same\" type \"motor\" ]\n  node [ id 8 label \"same\" graphics [ x 1 y 2.5 ] ]\n\
         edge [ source 7 target 8 weight 2 type \"gap junction\" ]\n\
         edge [ source 8 target 7 sign \"-\" delay 3 ]\n]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Labels that are not unique: the ids name the nodes, the labels are kept (reported).
    assert_eq!(c.neurons.names(), ["7", "8"]);
    assert_eq!(c.neurons.attribute("label").unwrap().get(1), Some("same"));
    assert!(c.import_report.get(WarningCode::Interpretation).is_some());
    assert_eq!(c.neurons.position[1], Some([1.0, 2.5, 0.0]));
    // `type` is a cell type on a node and a kind on an edge.
    assert_eq!(c.neurons.cell_type.get(0), Some("motor"));
    assert_eq!(c.weight_unit, "EM sections");
    assert_eq!(c.electrical.get(0).weight, 2.0);
    let e = c.chemical.get(0);
    assert_eq!((e.pre, e.post, e.sign, e.delay), (1, 0, Sign::Inhibitory, Some(3.0)));
}

#[test]
fn bad_gml_is_reported_on_its_line() {
    type Check = fn(&Problem) -> bool;
    let cases: [(&str, Check, Option<u64>); 6] = [
        (
            "graph [\n node [ id 1 ]\n edge [ source 1 target 2 ]\n]",
            |p| *p == Problem::UnknownNode("2".into()),
            Some(3),
        ),
        (
            "graph [\n node [ id 1 ]\n node [ id 1 ]\n]",
            |p| *p == Problem::DuplicateNode("1".into()),
            Some(3),
        ),
        ("graph [\n node [ id 1 \n", |p| *p == Problem::Truncated, Some(3)),
        (
            "graph [\n node [ id 1 label \"open ]\n]",
            |p| *p == Problem::Truncated,
            Some(2),
        ),
        (
            "graph [ edge [ source 1 target 1 weight abc ] node [ id 1 ] ]",
            |p| matches!(p, Problem::NotANumber(_)),
            Some(1),
        ),
        (
            "pre,post,weight\nA,B,1\n",
            |p| matches!(p, Problem::UnknownFormat(_)),
            Some(1),
        ),
    ];
    for (text, check, line) in cases {
        let e = read(text).unwrap_err();
        assert!(check(&e.problem), "{text}: {e}");
        assert_eq!(e.line(), line, "{text}: {e}");
    }
    let e = read("").unwrap_err();
    assert_eq!(e.problem, Problem::Empty);
    let deep = "a [ ".repeat(100);
    assert!(matches!(read(&deep).unwrap_err().problem, Problem::Invalid(_)));
}

#[test]
fn no_truncation_or_corruption_panics() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/gml/nx_directed.gml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for cut in 0..text.len() {
        if text.is_char_boundary(cut) {
            let _ = read(&text[..cut]);
        }
    }
    let mut state = 7u32;
    for _ in 0..2000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let mut bytes = text.as_bytes().to_vec();
        let at = (state >> 8) as usize % bytes.len();
        bytes[at] = (state >> 24) as u8;
        let _ = io::read_bytes(io::Format::Gml, "x.gml", bytes);
    }
}
