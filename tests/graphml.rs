//! GraphML: round trips of the bundled datasets, files written by networkx, the format's
//! features, and bad input.

use std::io::{Cursor, Write};

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, Location, Problem, ReadError, Source, graphml};
use connectoscope::model::{EdgeKind, Sign, WarningCode};

mod common;
use common::{assert_same, load};

fn read_bytes(bytes: Vec<u8>) -> Result<Connectome, ReadError> {
    graphml::read(
        Source::reader("test.graphml", Cursor::new(bytes)),
        &LoadOptions::default(),
    )
}

fn read(text: &str) -> Result<Connectome, ReadError> {
    read_bytes(text.as_bytes().to_vec())
}

fn write(c: &Connectome) -> String {
    let mut out = Vec::new();
    graphml::write(c, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn error(text: &str) -> ReadError {
    match read(text) {
        Ok(_) => panic!("read without error:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn cook2019_round_trips() {
    let c = load("celegans-cook2019");
    let text = write(&c);
    assert!(text.contains(r#"edgedefault="directed""#));
    let back = read(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_same(&c, &back);
    // Writing what was read gives the same file.
    assert_eq!(write(&back), text);
}

#[test]
fn flyvis_round_trips_with_its_edge_signs() {
    let c = load("drosophila-opticlobe-flyvis");
    let back = read(&write(&c)).unwrap_or_else(|e| panic!("{e}"));
    assert_same(&c, &back);
    assert_eq!(c, back);
    let inhibitory = back.chemical.iter().filter(|e| e.sign == Sign::Inhibitory).count();
    assert_eq!(inhibitory, 228);
}

#[test]
fn gzipped_graphml_is_read_by_load() {
    let c = load("celegans-cook2019");
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("cook.graphml");
    io::save(&c, &plain).unwrap();
    let gz = dir.path().join("cook.graphml.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    enc.finish().unwrap();
    assert_same(&c, &load(plain.to_str().unwrap()));
    assert_same(&c, &load(gz.to_str().unwrap()));
}

#[test]
fn corrupt_gzip_is_reported_as_such() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(write(&load("drosophila-opticlobe-flyvis")).as_bytes())
        .unwrap();
    let mut gz = enc.finish().unwrap();
    let middle = gz.len() / 2;
    gz[middle] ^= 0x55;
    let e = read_bytes(gz).unwrap_err();
    assert!(matches!(e.problem, Problem::Gzip(_)), "{e}");
}

// The networkx fixtures were written by networkx 3.6.1:
//   G = nx.DiGraph(weight_unit="synapses")
//   G.add_node("AVAL", cell_type="interneuron", neurotransmitter="Acetylcholine", x=1.5, y=-2.0, z=3.25)
//   G.add_node("AVAR", cell_type="interneuron", x=0.0, y=1.0, z=2.0)
//   G.add_node("DD1", cell_type="motor", neurotransmitter="GABA", x=4.0, y=5.0, z=6.0)
//   G.add_edge("AVAL", "DD1", weight=3); G.add_edge("DD1", "AVAL", weight=-1.5)
//   G.add_edge("AVAR", "AVAL", weight=2.0)
//   nx.write_graphml(G, "tests/fixtures/nx_digraph.graphml")
//   H = nx.Graph(); H.add_edge("AIBL", "AIBR", weight=4); H.add_edge("AIBL", "RIML", weight=1)
//   H.nodes["AIBL"]["label"] = "AIB left"
//   nx.write_graphml(H, "tests/fixtures/nx_graph.graphml")

#[test]
fn networkx_digraph_is_read() {
    let c = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/nx_digraph.graphml"
    ));
    let n = &c.neurons;
    assert_eq!(n.names(), ["AVAL", "AVAR", "DD1"]);
    assert_eq!(n.cell_type.get(2), Some("motor"));
    assert_eq!(n.neurotransmitter.get(0), Some("Acetylcholine"));
    assert_eq!(n.position[0], Some([1.5, -2.0, 3.25]));
    assert_eq!(n.sign[0], Sign::Excitatory);
    assert_eq!(n.sign[2], Sign::Inhibitory);
    assert_eq!(c.weight_unit, "synapses");
    assert_eq!((c.chemical.len(), c.electrical.len()), (3, 0));
    let edge = |pre, post| c.chemical.get(c.chemical.find(pre, post).unwrap());
    // networkx declares `weight` twice (long and double keys): both are the weight.
    assert_eq!(edge(0, 2).weight, 3.0);
    assert_eq!(edge(1, 0).weight, 2.0);
    assert_eq!((edge(2, 0).weight, edge(2, 0).sign), (1.5, Sign::Inhibitory));
}

#[test]
fn networkx_undirected_graph_is_undirected_connections() {
    let c = load(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/nx_graph.graphml"));
    assert_eq!(c.neurons.names(), ["AIBL", "AIBR", "RIML"]);
    // Edges of an undirected graph that say nothing of their kind are not gap junctions.
    assert_eq!((c.chemical.len(), c.electrical.len(), c.undirected.len()), (0, 0, 2));
    assert_eq!(c.undirected.total_weight(), 5.0);
    let w = c.import_report.get(WarningCode::UndirectedEdges).unwrap();
    assert_eq!(w.count, 2);
    let label = c.neurons.attribute("label").unwrap();
    assert_eq!((label.get(0), label.get(1)), (Some("AIB left"), None));
}

#[test]
fn keys_defaults_kinds_and_units() {
    let c = read(
        r#"<?xml version="1.0"?>
<!-- hand-written -->
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="k0" for="node" attr.name="class" attr.type="string"><default>unclassified</default></key>
  <key id="k1" for="node" attr.name="label" attr.type="string"/>
  <key id="k2" for="node" attr.name="x" attr.type="float"/>
  <key id="k3" for="node" attr.name="y" attr.type="float"/>
  <key id="k4" for="node" attr.name="sign" attr.type="string"/>
  <key id="k5" for="edge" attr.name="syn_count" attr.type="int"><default>1</default></key>
  <key id="k6" for="edge" attr.name="synapse_type" attr.type="string"/>
  <key id="k7" attr.name="note" attr.type="string"/>
  <key id="k8" for="graph" attr.name="weight_unit" attr.type="string"/>
  <key id="k9" for="graph" attr.name="position_unit" attr.type="string"/>
  <graph id="G" edgedefault="undirected">
    <data key="k8">EM sections</data>
    <data key="k9">um</data>
    <edge source="n1" target="n0"/>
    <node id="n0">
      <data key="k0">AVA</data><data key="k1">AVA left &amp; more&#x21;</data>
      <data key="k2">1.5</data><data key="k3"> 2 </data><data key="k4">-</data><data key="k7">hello</data>
    </node>
    <node id="n1"/>
    <edge source="n0" target="n1" directed="true"><data key="k5">7</data></edge>
    <edge source="n0" target="n1"><data key="k6">chemical</data><data key="k5">2</data></edge>
    <edge source="n1" target="n1"><data key="k6">gap junction</data></edge>
    <edge source="n1" target="n0"><data key="k6">EJ</data><data key="k5">3</data></edge>
    <edge source="n0" target="n1"><data key="k6"><![CDATA[other]]></data></edge>
  </graph>
</graphml>
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let n = &c.neurons;
    assert_eq!(n.names(), ["n0", "n1"]);
    assert_eq!((n.class.get(0), n.class.get(1)), (Some("AVA"), Some("unclassified")));
    assert_eq!(n.attribute("label").unwrap().get(0), Some("AVA left & more!"));
    assert_eq!(n.attribute("note").unwrap().get(0), Some("hello"));
    assert_eq!((n.position[0], n.position[1]), (Some([1.5, 2.0, 0.0]), None));
    assert_eq!((n.sign[0], n.sign[1]), (Sign::Inhibitory, Sign::Unknown));
    assert_eq!(
        (c.weight_unit.as_str(), n.position_unit.as_deref()),
        ("EM sections", Some("um"))
    );
    let weight = |kind: EdgeKind, pre, post| {
        let e = c.edges(kind);
        e.get(e.find(pre, post).unwrap()).weight
    };
    assert_eq!(weight(EdgeKind::Chemical, 0, 1), 9.0);
    // The first edge is undirected by the graph's default: an undirected connection weighing 1.
    assert_eq!(weight(EdgeKind::Undirected, 0, 1), 1.0);
    assert_eq!(weight(EdgeKind::Electrical, 0, 1), 3.0);
    assert_eq!(weight(EdgeKind::Electrical, 1, 1), 1.0);
    assert_eq!(weight(EdgeKind::Other, 0, 1), 1.0);
    let s = c.summary();
    assert_eq!(
        [s.chemical.edges, s.electrical.edges, s.other.edges, s.undirected.edges],
        [1, 2, 1, 1]
    );
}

#[test]
fn directed_false_and_negative_weights() {
    let c = read(
        r#"<graphml><key id="w" for="edge" attr.name="weight" attr.type="double"/>
<graph edgedefault="directed"><node id="a"/><node id="b"/>
<edge source="a" target="b" directed="false"><data key="w">2</data></edge>
<edge source="b" target="a"><data key="w">-0.5</data></edge>
</graph></graphml>"#,
    )
    .unwrap();
    assert_eq!((c.electrical.len(), c.undirected.get(0).weight), (0, 2.0));
    let e = c.chemical.get(0);
    assert_eq!((e.pre, e.post, e.weight, e.sign), (1, 0, 0.5, Sign::Inhibitory));
}

/// A document whose line 9 is `body`'s first line.
fn doc(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="w" for="edge" attr.name="weight" attr.type="double"/>
  <key id="n" for="edge" attr.name="syn_count" attr.type="string"/>
  <key id="t" for="edge" attr.name="type" attr.type="string"/>
  <graph edgedefault="directed">
    <node id="a"/>
    <node id="b"/>
{body}
  </graph>
</graphml>
"#
    )
}

fn at(line: u64, element: &str) -> Location {
    Location::Element {
        line,
        element: element.into(),
    }
}

#[test]
fn the_base_document_is_fine() {
    assert_eq!(read(&doc("")).unwrap().neurons.len(), 2);
}

#[test]
fn an_edge_to_an_unknown_node_is_reported_on_its_line() {
    let e = error(&doc("    <node id=\"c\"/>\n    <edge source=\"a\" target=\"zz\"/>"));
    assert_eq!(e.problem, Problem::UnknownNode("zz".into()));
    assert_eq!(e.location, at(10, "edge"));
}

#[test]
fn bad_weights_are_reported_on_the_data_line() {
    let cases = [
        ("<data key=\"w\">abc</data>", Problem::NotANumber("abc".into())),
        ("<data key=\"w\">NaN</data>", Problem::NotFinite("NaN".into())),
        ("<data key=\"w\">inf</data>", Problem::NotFinite("inf".into())),
        ("<data key=\"n\">-2</data>", Problem::NegativeCount("-2".into())),
    ];
    for (data, problem) in cases {
        let text = doc(&format!(
            "    <edge source=\"a\" target=\"b\">\n      {data}\n    </edge>"
        ));
        // Without a `weight` key, the `syn_count` key is the weight.
        let text = if data.contains("\"n\"") {
            text.replace("\"weight\"", "\"other\"")
        } else {
            text
        };
        let e = error(&text);
        assert_eq!((e.problem, e.location), (problem, at(10, "data")), "{data}");
    }
}

#[test]
fn duplicate_nodes_and_malformed_elements() {
    let e = error(&doc("    <node id=\"a\"/>"));
    assert_eq!(
        (e.problem, e.location),
        (Problem::DuplicateNode("a".into()), at(9, "node"))
    );
    let e = error(&doc("    <edge source=\"a\"/>"));
    assert!(
        matches!(e.problem, Problem::Invalid(_)) && e.location == at(9, "edge"),
        "{e}"
    );
    let e = error(&doc("    <hyperedge/>"));
    assert!(matches!(e.problem, Problem::Invalid(_)) && e.line() == Some(9), "{e}");
    let e = error(&doc("    <edge source=\"a\" target=\"b\" directed=\"maybe\"/>"));
    assert!(matches!(e.problem, Problem::Invalid(_)) && e.line() == Some(9), "{e}");
    let e = error(&doc(
        "    <edge source=\"a\" target=\"b\"><data key=\"t\">&bogus;</data></edge>",
    ));
    assert!(matches!(e.problem, Problem::Xml(_)) && e.line() == Some(9), "{e}");
}

#[test]
fn mismatched_tags_are_invalid_xml() {
    let e = error(&doc("    <node id=\"c\">\n    </edge>"));
    assert!(matches!(e.problem, Problem::Xml(_)), "{e}");
    assert_eq!(e.line(), Some(10));
    let e = error(&doc("    <node id=\"c\" id=\"d\"/>"));
    assert!(matches!(e.problem, Problem::Xml(_)) && e.line() == Some(9), "{e}");
    let e = error(&format!("{}<graphml/>", doc("")));
    assert!(matches!(e.problem, Problem::Xml(_)) && e.line() == Some(12), "{e}");
}

#[test]
fn empty_and_non_xml_files() {
    for text in ["", "  \n\n"] {
        let e = error(text);
        assert_eq!((e.problem, e.location), (Problem::Empty, Location::File));
    }
    let e = error("pre,post,weight\nA,B,1\n");
    assert!(matches!(e.problem, Problem::UnknownFormat(_)), "{e}");
    let e = error("<?xml version=\"1.0\"?>\n<root><graph/></root>");
    assert!(
        matches!(e.problem, Problem::UnknownFormat(_)) && e.line() == Some(2),
        "{e}"
    );
    let e = error("<graphml></graphml>");
    assert!(matches!(e.problem, Problem::Invalid(_)), "{e}");
}

#[test]
fn a_gexf_document_is_not_graphml() {
    let mut gexf = Vec::new();
    io::gexf::write(&load("drosophila-opticlobe-flyvis"), &mut gexf).unwrap();
    let e = read_bytes(gexf).unwrap_err();
    assert!(
        matches!(&e.problem, Problem::UnknownFormat(m) if m.contains("GEXF")),
        "{e}"
    );
    assert_eq!(e.line(), Some(2));
}

#[test]
fn binary_garbage_is_refused() {
    let mut bytes = b"<graphml>\n<graph>\n".to_vec();
    bytes.extend([0u8, 1, 2, 3, 0xff, 0xfe]);
    let e = read_bytes(bytes).unwrap_err();
    assert_eq!((e.problem.clone(), e.line()), (Problem::Binary, Some(3)));
    // Not UTF-8, and no NUL byte.
    let mut state = 7u32;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8 | 0x80
        })
        .collect();
    let e = read_bytes(garbage).unwrap_err();
    assert!(matches!(e.problem, Problem::NotUtf8 | Problem::UnknownFormat(_)), "{e}");
    let e = read_bytes(b"<graphml><graph><node id=\"\xff\xfe\"/></graph></graphml>".to_vec()).unwrap_err();
    assert_eq!(e.problem, Problem::NotUtf8);
}

#[test]
fn truncated_documents_are_reported() {
    let text = write(&load("drosophila-opticlobe-flyvis"));
    // Cut inside the 100th edge element.
    let start = text.match_indices("<edge ").nth(99).unwrap().0;
    let line = text[..start].matches('\n').count() as u64 + 1;
    let e = read(&text[..start + 20]).unwrap_err();
    assert_eq!((e.problem.clone(), e.line()), (Problem::Truncated, Some(line)));
    // Cut between elements.
    let e = read(&text[..start]).unwrap_err();
    assert_eq!(e.problem, Problem::Truncated);
}

#[test]
fn no_input_makes_the_reader_panic() {
    let text = doc(concat!(
        "    <node id=\"c\"><data key=\"note\">1</data></node>\n",
        "    <edge source=\"a\" target=\"b\"><data key=\"w\">-2.5</data><data key=\"t\">EJ</data></edge>\n",
        "    <edge source=\"c\" target=\"b\"><data key=\"n\">4</data></edge>",
    ));
    assert!(read(&text).is_ok());
    // Every prefix, and many one-byte changes.
    let end = text.trim_end().len();
    for cut in 0..text.len() {
        let result = read_bytes(text.as_bytes()[..cut].to_vec());
        assert_eq!(result.is_ok(), cut >= end, "cut at {cut}");
    }
    let mut state = 1u32;
    for _ in 0..3000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let mut bytes = text.as_bytes().to_vec();
        let at = (state >> 8) as usize % bytes.len();
        bytes[at] = (state >> 24) as u8;
        if let Ok(c) = read_bytes(bytes) {
            c.check_invariants().unwrap();
        }
    }
}

#[test]
fn unknown_connection_types_are_kept_as_other_and_reported() {
    let c = read(
        r#"<graphml><key id="t" for="edge" attr.name="type" attr.type="string"/>
<graph edgedefault="directed"><node id="a"/><node id="b"/><node id="c"/>
<edge source="a" target="b"><data key="t">AlphaSynapse</data></edge>
<edge source="b" target="c"><data key="t">AlphaSynapse</data></edge>
<edge source="c" target="a"><data key="t">sideways</data></edge>
<edge source="a" target="c"><data key="t">chemical</data></edge>
</graph></graphml>"#,
    )
    .unwrap();
    assert_eq!((c.chemical.len(), c.other.len()), (1, 3));
    assert_eq!(c.other.original_type(c.other.find(2, 0).unwrap()), Some("sideways"));
    let w = c.import_report.get(WarningCode::UnknownKind).unwrap();
    assert_eq!(w.count, 3);
    assert!(
        w.message.contains("'AlphaSynapse' (2), 'sideways' (1)"),
        "{}",
        w.message
    );
    // Written back with their own value, and read back the same.
    let mut out = Vec::new();
    graphml::write(&c, &mut out).unwrap();
    let back = read(std::str::from_utf8(&out).unwrap()).unwrap();
    assert_eq!(
        back.other.original_type(back.other.find(2, 0).unwrap()),
        Some("sideways")
    );
    assert_same(&c, &back);
}
