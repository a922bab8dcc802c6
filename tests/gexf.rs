//! GEXF: round trips of the bundled datasets, files written by networkx, the format's
//! features, and bad input.

use std::io::{Cursor, Write};

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, Location, Problem, ReadError, Source, gexf};
use connectoscope::model::{EdgeKind, Sign, WarningCode};

mod common;
use common::{assert_same, load};

fn fixture(name: &str) -> Connectome {
    load(&format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")))
}

fn read_bytes(bytes: Vec<u8>) -> Result<Connectome, ReadError> {
    gexf::read(Source::reader("test.gexf", Cursor::new(bytes)), &LoadOptions::default())
}

fn read(text: &str) -> Result<Connectome, ReadError> {
    read_bytes(text.as_bytes().to_vec())
}

fn write(c: &Connectome) -> String {
    let mut out = Vec::new();
    gexf::write(c, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn error(text: &str) -> ReadError {
    match read(text) {
        Ok(_) => panic!("read without error:\n{text}"),
        Err(e) => e,
    }
}

fn at(line: u64, element: &str) -> Location {
    Location::Element {
        line,
        element: element.into(),
    }
}

#[test]
fn cook2019_round_trips() {
    let c = load("celegans-cook2019");
    let text = write(&c);
    assert!(text.contains(r#"defaultedgetype="directed""#) && text.contains(r#"type="mutual""#));
    let back = read(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_same(&c, &back);
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
fn gzipped_gexf_is_read_by_load() {
    let c = load("celegans-cook2019");
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("cook.gexf.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(write(&c).as_bytes()).unwrap();
    enc.finish().unwrap();
    assert_same(&c, &load(gz.to_str().unwrap()));
}

// The networkx fixtures were written by networkx 3.6.1 (GEXF 1.2draft, its default):
//   G = nx.DiGraph()
//   G.add_node("AVAL", cell_type="interneuron", neurotransmitter="Acetylcholine",
//              viz={"position": {"x": 1.5, "y": -2.0, "z": 3.25}})
//   G.add_node("AVAR", cell_type="interneuron", viz={"position": {"x": 0.0, "y": 1.0, "z": 2.0}})
//   G.add_node("DD1", cell_type="motor", neurotransmitter="GABA",
//              viz={"position": {"x": 4.0, "y": 5.0, "z": 6.0},
//                   "color": {"r": 255, "g": 0, "b": 10, "a": 0.5}, "size": 2.5})
//   G.add_edge("AVAL", "DD1", weight=3); G.add_edge("DD1", "AVAL", weight=-1.5)
//   G.add_edge("AVAR", "AVAL", weight=2.0)
//   nx.write_gexf(G, "tests/fixtures/nx_digraph.gexf")
//   H = nx.Graph(); H.add_edge("AIBL", "AIBR", weight=4); H.add_edge("AIBL", "RIML", weight=1)
//   H.nodes["AIBL"]["label"] = "AIB left"
//   nx.write_gexf(H, "tests/fixtures/nx_graph.gexf")

#[test]
fn networkx_digraph_is_read() {
    let c = fixture("nx_digraph.gexf");
    let n = &c.neurons;
    assert_eq!(n.names(), ["AVAL", "AVAR", "DD1"]);
    assert_eq!(n.cell_type.get(2), Some("motor"));
    assert_eq!(n.position[0], Some([1.5, -2.0, 3.25]));
    assert_eq!((n.sign[0], n.sign[2]), (Sign::Excitatory, Sign::Inhibitory));
    assert_eq!(n.attribute("viz_color").unwrap().get(2), Some("255,0,10,0.5"));
    assert_eq!(n.attribute("viz_size").unwrap().get(2), Some("2.5"));
    // Labels equal to the ids are not kept.
    assert!(n.attribute("label").is_none());
    assert_eq!((c.chemical.len(), c.electrical.len()), (3, 0));
    let edge = |pre, post| c.chemical.get(c.chemical.find(pre, post).unwrap());
    assert_eq!(edge(0, 2).weight, 3.0);
    assert_eq!((edge(2, 0).weight, edge(2, 0).sign), (1.5, Sign::Inhibitory));
}

#[test]
fn networkx_undirected_graph_is_undirected_connections() {
    let c = fixture("nx_graph.gexf");
    assert_eq!(c.neurons.names(), ["AIBL", "AIBR", "RIML"]);
    // Not gap junctions: the file says nothing of what its edges are.
    assert_eq!((c.chemical.len(), c.electrical.len(), c.undirected.len()), (0, 0, 2));
    assert_eq!(c.undirected.total_weight(), 5.0);
    assert_eq!(c.import_report.get(WarningCode::UndirectedEdges).unwrap().count, 2);
    assert_eq!(c.neurons.attribute("label").unwrap().get(0), Some("AIB left"));
}

#[test]
fn viz_attributes_and_labels_round_trip() {
    for name in ["nx_digraph.gexf", "nx_graph.gexf"] {
        let c = fixture(name);
        let text = write(&c);
        let back = read(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_same(&c, &back);
        if name == "nx_digraph.gexf" {
            assert!(text.contains(r#"<viz:color r="255" g="0" b="10" a="0.5"/>"#), "{text}");
            assert!(text.contains(r#"<viz:size value="2.5"/>"#));
        }
        // And through GraphML, where they are plain attributes.
        let mut graphml = Vec::new();
        io::graphml::write(&c, &mut graphml).unwrap();
        let source = Source::reader("x.graphml", Cursor::new(graphml));
        assert_same(&c, &io::graphml::read(source, &LoadOptions::default()).unwrap());
    }
}

#[test]
fn attributes_defaults_kinds_viz_and_units() {
    let c = read(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">
  <meta><creator>hand</creator><description>A test.
weight_unit=EM sections
position_unit = nm</description></meta>
  <graph defaultedgetype="directed" mode="static">
    <attributes class="node">
      <attribute id="0" title="class" type="string"><default>unclassified</default></attribute>
      <attribute id="1" title="sign" type="string"/>
      <attribute id="2" title="note" type="string"/>
    </attributes>
    <attributes class="edge">
      <attribute id="0" title="syn_count" type="integer"><default>2</default></attribute>
      <attribute id="1" title="type" type="string"/>
    </attributes>
    <nodes>
      <node id="n0" label="first &amp; foremost">
        <attvalues><attvalue for="0" value="AVA"/><attvalue for="1" value="-"/><attvalue for="2" value="hi"/></attvalues>
        <viz:position x="1" y="2"/>
        <viz:color hex="#ff8000"/>
      </node>
      <node id="n1" label="n1"><viz:size value="3"/></node>
    </nodes>
    <edges>
      <edge id="0" source="n0" target="n1" weight="5"/>
      <edge id="1" source="n0" target="n1"><attvalues><attvalue for="0" value="4"/></attvalues></edge>
      <edge id="2" source="n1" target="n0" type="undirected"/>
      <edge id="3" source="n1" target="n0" type="mutual" weight="1"/>
      <edge id="4" source="n1" target="n1"><attvalues><attvalue for="1" value="gap junction"/></attvalues></edge>
      <edge id="5" source="n1" target="n0" kind="other" weight="-2"/>
    </edges>
  </graph>
</gexf>
"##,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let n = &c.neurons;
    assert_eq!(n.names(), ["n0", "n1"]);
    assert_eq!((n.class.get(0), n.class.get(1)), (Some("AVA"), Some("unclassified")));
    assert_eq!((n.sign[0], n.sign[1]), (Sign::Inhibitory, Sign::Unknown));
    let attr = |name: &str, i| n.attribute(name).and_then(|a| a.get(i));
    assert_eq!((attr("label", 0), attr("label", 1)), (Some("first & foremost"), None));
    assert_eq!(attr("note", 0), Some("hi"));
    assert_eq!(
        (attr("viz_color", 0), attr("viz_size", 1)),
        (Some("255,128,0"), Some("3"))
    );
    assert_eq!((n.position[0], n.position[1]), (Some([1.0, 2.0, 0.0]), None));
    assert_eq!(
        (c.weight_unit.as_str(), n.position_unit.as_deref()),
        ("EM sections", Some("nm"))
    );
    let edge = |kind: EdgeKind, pre, post| {
        let e = c.edges(kind);
        e.get(e.find(pre, post).unwrap())
    };
    // A given weight or count wins over the default count (2), which applies otherwise.
    assert_eq!(edge(EdgeKind::Chemical, 0, 1).weight, 5.0 + 4.0);
    // `undirected` and `mutual` edges without a kind: undirected connections, not gap junctions.
    assert_eq!(edge(EdgeKind::Undirected, 0, 1).weight, 2.0 + 1.0);
    assert_eq!(edge(EdgeKind::Electrical, 1, 1).weight, 2.0);
    let other = edge(EdgeKind::Other, 1, 0);
    assert_eq!((other.weight, other.sign), (2.0, Sign::Inhibitory));
    let lens = [&c.chemical, &c.electrical, &c.other, &c.undirected].map(|e| e.len());
    assert_eq!(lens, [1, 1, 1, 1]);
    // One chemical and one undirected row repeat a connection: one warning for each kind.
    let merged: Vec<usize> = c
        .import_report
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::MergedDuplicates)
        .map(|w| w.count)
        .collect();
    assert_eq!(merged, [1, 1]);
}

/// A document whose line 10 is `body`'s first line.
fn doc(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3">
  <graph defaultedgetype="directed">
    <attributes class="edge">
      <attribute id="0" title="syn_count" type="long"/>
      <attribute id="1" title="kind" type="string"/>
    </attributes>
    <nodes><node id="a"/><node id="b"/></nodes>
    <edges>
{body}
    </edges>
  </graph>
</gexf>
"#
    )
}

#[test]
fn the_base_document_is_fine() {
    let c = read(&doc("")).unwrap();
    assert_eq!((c.neurons.len(), c.chemical.len()), (2, 0));
}

#[test]
fn an_edge_to_an_unknown_node_is_reported_on_its_line() {
    let e = error(&doc(
        "      <edge id=\"0\" source=\"a\" target=\"b\"/>\n      <edge id=\"1\" source=\"zz\" target=\"b\"/>",
    ));
    assert_eq!(
        (e.problem, e.location),
        (Problem::UnknownNode("zz".into()), at(11, "edge"))
    );
}

#[test]
fn bad_weights_and_kinds_are_reported_on_their_line() {
    let cases = [
        (
            r#"<edge source="a" target="b" weight="abc"/>"#,
            Problem::NotANumber("abc".into()),
            "edge",
        ),
        (
            r#"<edge source="a" target="b" weight="NaN"/>"#,
            Problem::NotFinite("NaN".into()),
            "edge",
        ),
        (
            r#"<edge source="a" target="b" weight="-inf"/>"#,
            Problem::NotFinite("-inf".into()),
            "edge",
        ),
        (
            r#"<edge source="a" target="b">"#,
            Problem::NegativeCount("-3".into()),
            "attvalue",
        ),
        (
            r#"<edge source="a" target="b">"#,
            Problem::NotANumber("x".into()),
            "attvalue",
        ),
    ];
    for (tag, problem, element) in cases {
        let attvalue = match &problem {
            Problem::NegativeCount(_) => r#"<attvalue for="0" value="-3"/>"#,
            Problem::NotANumber(v) if v == "x" => r#"<attvalue for="0" value="x"/>"#,
            _ => "",
        };
        let body = if attvalue.is_empty() {
            format!("      {tag}")
        } else {
            format!("      {tag}\n        <attvalues>\n          {attvalue}\n        </attvalues></edge>")
        };
        let line = if attvalue.is_empty() { 10 } else { 12 };
        let e = error(&doc(&body));
        assert_eq!((e.problem, e.location), (problem, at(line, element)), "{body}");
    }
}

#[test]
fn duplicate_nodes_bad_viz_and_malformed_elements() {
    let e = error(&doc("      <edge source=\"a\" target=\"b\"/>").replace("<node id=\"b\"/>", "<node id=\"a\"/>"));
    assert_eq!(
        (e.problem, e.location),
        (Problem::DuplicateNode("a".into()), at(8, "node"))
    );
    let bad_viz = doc("").replace(
        "<node id=\"b\"/>",
        "<node id=\"b\"><color r=\"300\" g=\"0\" b=\"0\"/></node>",
    );
    let e = error(&bad_viz);
    assert!(
        matches!(e.problem, Problem::Invalid(_)) && e.location == at(8, "viz:color"),
        "{e}"
    );
    let bad_viz = doc("").replace(
        "<node id=\"b\"/>",
        "<node id=\"b\"><position x=\"one\" y=\"0\"/></node>",
    );
    let e = error(&bad_viz);
    assert_eq!(
        (e.problem, e.location),
        (Problem::NotANumber("one".into()), at(8, "viz:position"))
    );
    let e = error(&doc("      <edge target=\"b\"/>"));
    assert!(
        matches!(e.problem, Problem::Invalid(_)) && e.location == at(10, "edge"),
        "{e}"
    );
    let e = error(&doc("").replace("directed\"", "sideways\""));
    assert!(
        matches!(e.problem, Problem::Invalid(_)) && e.location == at(3, "graph"),
        "{e}"
    );
}

#[test]
fn mismatched_tags_are_invalid_xml() {
    let e = error(&doc("      <edge source=\"a\" target=\"b\">\n      </node>"));
    assert!(matches!(e.problem, Problem::Xml(_)) && e.line() == Some(11), "{e}");
}

#[test]
fn empty_non_xml_and_graphml_files() {
    for text in ["", "\n \n"] {
        let e = error(text);
        assert_eq!((e.problem, e.location), (Problem::Empty, Location::File));
    }
    let e = error("just text");
    assert!(matches!(e.problem, Problem::UnknownFormat(_)), "{e}");
    let mut graphml = Vec::new();
    io::graphml::write(&load("drosophila-opticlobe-flyvis"), &mut graphml).unwrap();
    let e = read_bytes(graphml).unwrap_err();
    assert!(
        matches!(&e.problem, Problem::UnknownFormat(m) if m.contains("GraphML")),
        "{e}"
    );
    let e = error("<gexf version=\"1.3\"><meta/></gexf>");
    assert!(matches!(e.problem, Problem::Invalid(_)), "{e}");
}

#[test]
fn binary_garbage_is_refused() {
    let mut bytes = doc("").into_bytes();
    bytes.truncate(200);
    bytes.extend([0u8, 0x13, 0x37]);
    let e = read_bytes(bytes).unwrap_err();
    assert_eq!(e.problem, Problem::Binary);
    let e = read_bytes(vec![0x8b; 1000]).unwrap_err();
    assert!(matches!(e.problem, Problem::NotUtf8 | Problem::UnknownFormat(_)), "{e}");
}

#[test]
fn truncated_documents_are_reported() {
    let text = write(&load("celegans-cook2019"));
    let start = text.match_indices("<edge ").nth(2000).unwrap().0;
    let line = text[..start].matches('\n').count() as u64 + 1;
    let e = read(&text[..start + 30]).unwrap_err();
    assert_eq!((e.problem.clone(), e.line()), (Problem::Truncated, Some(line)));
    let e = read(&text[..start - 1]).unwrap_err();
    assert_eq!(e.problem, Problem::Truncated);
}

#[test]
fn no_input_makes_the_reader_panic() {
    let text = doc(concat!(
        "      <edge source=\"a\" target=\"b\" weight=\"-2.5\"><attvalues><attvalue for=\"1\" value=\"EJ\"/></attvalues></edge>\n",
        "      <edge source=\"b\" target=\"a\" type=\"mutual\"><attvalues><attvalue for=\"0\" value=\"4\"/></attvalues></edge>",
    ));
    assert!(read(&text).is_ok());
    let end = text.trim_end().len();
    for cut in 0..text.len() {
        let result = read_bytes(text.as_bytes()[..cut].to_vec());
        assert_eq!(result.is_ok(), cut >= end, "cut at {cut}");
    }
    let mut state = 5u32;
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
fn unknown_kinds_are_kept_as_other_with_their_value() {
    let c = read(&doc(concat!(
        "      <edge source=\"a\" target=\"b\" type=\"sideways\"/>\n",
        "      <edge source=\"b\" target=\"a\"><attvalues><attvalue for=\"1\" value=\"AlphaSynapse\"/></attvalues></edge>\n",
        "      <edge source=\"a\" target=\"a\"><attvalues><attvalue for=\"1\" value=\"AlphaSynapse\"/></attvalues></edge>",
    )))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((c.chemical.len(), c.other.len()), (0, 3));
    let kept = |pre, post| c.other.original_type(c.other.find(pre, post).unwrap());
    assert_eq!((kept(0, 1), kept(1, 0)), (Some("sideways"), Some("AlphaSynapse")));
    let w = c.import_report.get(WarningCode::UnknownKind).unwrap();
    assert_eq!(w.count, 3);
    assert!(
        w.message.contains("'AlphaSynapse' (2), 'sideways' (1)"),
        "{}",
        w.message
    );
}
