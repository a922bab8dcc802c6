//! NeuroML2 networks: one written by libNeuroML in c302's shape
//! (scripts/make_neuroml_fixture.py) and a network c302 itself generated.

use std::io::Cursor;

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, Problem, ReadError, Source, neuroml};
use connectoscope::model::{EdgeKind, Sign, WarningCode};

mod common;
use common::load;

fn fixture(name: &str) -> Connectome {
    load(&format!("{}/tests/fixtures/neuroml/{name}", env!("CARGO_MANIFEST_DIR")))
}

fn read(text: &str) -> Result<Connectome, ReadError> {
    neuroml::read(
        Source::reader("test.nml", Cursor::new(text.as_bytes().to_vec())),
        &LoadOptions::default(),
    )
}

fn edge(c: &Connectome, kind: EdgeKind, pre: &str, post: &str) -> connectoscope::model::Edge {
    let (a, b) = (c.neurons.find(pre).unwrap(), c.neurons.find(post).unwrap());
    let e = c.edges(kind);
    e.get(e.find(a, b).unwrap_or_else(|| panic!("{pre} -> {post}")))
}

#[test]
fn libneuroml_network_in_c302_shape() {
    let c = fixture("c302_like.net.nml");
    let n = &c.neurons;
    assert_eq!(
        n.names(),
        ["AVAL", "AVAR", "VD12", "DA9", "grid[0]", "grid[1]", "grid[2]"]
    );
    assert_eq!(n.position[2], Some([-0.5, 345.0, -22.0]));
    assert_eq!(n.position[4], None);
    assert_eq!(n.position_unit.as_deref(), Some("um"));
    // Properties named like table columns fill them; others are attributes.
    assert_eq!(
        (n.cell_type.get(2), n.neurotransmitter.get(2)),
        (Some("motor"), Some("GABA"))
    );
    assert_eq!(n.attribute("color").unwrap().get(0), Some(".5 .5 .5"));
    // 3 connectionWD + 2 graded + 3 into the population.
    assert_eq!(c.chemical.len(), 8);
    let e = edge(&c, EdgeKind::Chemical, "VD12", "DA9");
    assert_eq!((e.weight, e.sign, e.delay), (4.0, Sign::Inhibitory, Some(1.0)));
    let e = edge(&c, EdgeKind::Chemical, "AVAR", "DA9");
    assert_eq!((e.weight, e.sign, e.delay), (2.0, Sign::Excitatory, Some(2.0)));
    assert_eq!(edge(&c, EdgeKind::Chemical, "DA9", "AVAL").weight, 1.5);
    assert_eq!(edge(&c, EdgeKind::Chemical, "AVAL", "grid[2]").weight, 1.0);
    // Gap junctions listed both ways: one pair each, weight 2.
    assert_eq!((c.electrical.len(), c.electrical.total_weight()), (2, 4.0));
    let r = &c.import_report;
    assert_eq!(r.get(WarningCode::BothWaysListing).unwrap().count, 2);
    let notes: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::Interpretation)
        .collect();
    assert_eq!(notes.iter().map(|w| w.count).collect::<Vec<_>>(), [2, 8], "{notes:?}");
    c.check_invariants().unwrap();
}

/// c302's own output (openworm/c302 examples/c302_C1_Social.net.nml, MIT): 7 neurons, 16
/// gap-junction elements (8 pairs listed both ways), 5 graded connections.
#[test]
fn c302_social_network() {
    let c = fixture("c302_C1_Social.net.nml");
    assert_eq!(c.neurons.len(), 7);
    assert_eq!(c.neurons.names()[0], "ASHR");
    assert_eq!(c.neurons.cell_type.get(0), Some("sensory"));
    assert_eq!((c.electrical.len(), c.electrical.total_weight()), (8, 8.0));
    assert_eq!((c.chemical.len(), c.chemical.total_weight()), (5, 7.0));
    assert_eq!(edge(&c, EdgeKind::Chemical, "ASHR", "RMGR").weight, 2.0);
    assert_eq!(c.import_report.get(WarningCode::BothWaysListing).unwrap().count, 8);
}

#[test]
fn bad_networks_are_reported_on_their_line() {
    let doc = |body: &str| {
        format!(
            "<neuroml id=\"x\">\n<network id=\"n\">\n<population id=\"A\" size=\"1\"/>\n{body}\n</network>\n</neuroml>\n"
        )
    };
    let e = read(&doc("<projection id=\"p\" presynapticPopulation=\"A\" postsynapticPopulation=\"B\">\n<connection id=\"0\" preCellId=\"../A/0/c\" postCellId=\"../B/0/c\"/>\n</projection>")).unwrap_err();
    assert_eq!(
        (e.problem.clone(), e.line()),
        (Problem::UnknownNode("B/0".into()), Some(5))
    );
    let e = read(&doc(
        "<projection id=\"p\"><connectionWD id=\"0\" preCellId=\"../A/0/c\" postCellId=\"../A/3/c\"/></projection>",
    ))
    .unwrap_err();
    assert_eq!(e.problem, Problem::UnknownNode("A/3".into()));
    let e = read(&doc("<projection id=\"p\"><connectionWD id=\"0\" preCellId=\"../A/0/c\" postCellId=\"../A/0/c\" weight=\"x\"/></projection>")).unwrap_err();
    assert_eq!(e.problem, Problem::NotANumber("x".into()));
    let e = read(&doc("<population id=\"A\" size=\"1\"/>")).unwrap_err();
    assert_eq!(e.problem, Problem::DuplicateNode("A".into()));
    let e = read("<neuroml id=\"x\"><network id=\"n\"/></neuroml>").unwrap_err();
    assert!(matches!(e.problem, Problem::Invalid(_)), "{e}");
    let e = read("<graphml/>").unwrap_err();
    assert!(matches!(e.problem, Problem::UnknownFormat(_)), "{e}");
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/neuroml/c302_like.net.nml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for cut in (0..text.len()).filter(|&k| text.is_char_boundary(k)).step_by(7) {
        assert_eq!(read(&text[..cut]).is_ok(), cut >= text.trim_end().len(), "cut at {cut}");
    }
    let mut state = 11u32;
    for _ in 0..1000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let mut bytes = text.as_bytes().to_vec();
        let at = (state >> 8) as usize % bytes.len();
        bytes[at] = (state >> 24) as u8;
        let _ = io::read_bytes(io::Format::NeuroMl, "x.nml", bytes);
    }
}

#[test]
fn neuroml_is_recognised_inside_xml_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!(
        "{}/tests/fixtures/neuroml/c302_like.net.nml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read(&src).unwrap();
    let xml = dir.path().join("network.xml");
    std::fs::write(&xml, &text).unwrap();
    assert_eq!(io::Format::detect(&xml).unwrap(), io::Format::NeuroMl);
    assert_eq!(load(xml.to_str().unwrap()).neurons.len(), 7);
    let gz = dir.path().join("network.nml.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &text).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(load(gz.to_str().unwrap()).chemical.len(), 8);
}
