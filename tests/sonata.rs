//! SONATA folders: our round trip, files written by bmtk 1.2 (fixture from
//! scripts/make_sonata_fixtures.py) and bad input. libsonata 0.2.2 reading our files is checked
//! by scripts/check_sonata.py (result committed beside it).

use std::path::Path;
use std::process::Command;

use connectoscope::io::{self, ReadError};
use connectoscope::model::{EdgeKind, Sign};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sonata")
        .join(name)
}

fn load(path: &Path) -> Result<connectoscope::model::Connectome, ReadError> {
    io::load(path.to_str().unwrap(), &Default::default())
}

#[test]
fn the_worm_round_trips_with_positions_annotations_and_signs() {
    let worm = io::load("celegans-cook2019", &Default::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("worm.sonata");
    io::save(&worm, &dir).unwrap();
    for file in [
        "circuit_config.json",
        "nodes.h5",
        "edges.h5",
        "node_types.csv",
        "edge_types.csv",
        "components/point_neuron_models/iaf_psc_exp.json",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let node_types = std::fs::read_to_string(dir.join("node_types.csv")).unwrap();
    assert_eq!(
        node_types.lines().collect::<Vec<_>>(),
        [
            "node_type_id model_type model_template dynamics_params",
            "100 point_neuron nest:iaf_psc_exp iaf_psc_exp.json"
        ]
    );
    let back = load(&dir).unwrap();
    assert_eq!(back.neurons.names(), worm.neurons.names());
    assert_eq!(back.neurons.position, worm.neurons.position);
    assert_eq!(back.neurons.position_unit, worm.neurons.position_unit);
    assert_eq!(back.weight_unit, worm.weight_unit);
    for i in 0..worm.neurons.len() {
        assert_eq!(back.neurons.class.get(i), worm.neurons.class.get(i));
        assert_eq!(back.neurons.cell_type.get(i), worm.neurons.cell_type.get(i));
        assert_eq!(
            back.neurons.neurotransmitter.get(i),
            worm.neurons.neurotransmitter.get(i)
        );
        assert_eq!(back.neurons.sign[i], worm.neurons.sign[i]);
    }
    for (name, column) in &worm.neurons.attributes {
        let got = back
            .neurons
            .attribute(name)
            .unwrap_or_else(|| panic!("attribute {name}"));
        assert!((0..worm.neurons.len()).all(|i| got.get(i) == column.get(i)), "{name}");
    }
    for kind in [EdgeKind::Chemical, EdgeKind::Electrical, EdgeKind::Other] {
        let (a, b) = (worm.edges(kind), back.edges(kind));
        assert_eq!(a.len(), b.len(), "{kind:?}");
        for id in 0..a.len() {
            let (x, y) = (a.get(id), b.get(id));
            assert_eq!((x.pre, x.post, x.weight), (y.pre, y.post, y.weight), "{kind:?} {id}");
            assert_eq!(worm.edge_sign(kind, id), back.edge_sign(kind, id));
            assert_eq!(y.delay, Some(1.5), "the default delay is written");
        }
    }
}

#[test]
fn files_written_by_bmtk_are_read() {
    let c = load(&fixture("bmtk")).unwrap();
    assert_eq!(c.neurons.names(), ["0", "1", "2", "3", "4"]);
    assert_eq!(c.neurons.position[1], Some([1.0, 6.0, 9.5]));
    assert_eq!(c.neurons.position[4], Some([4.0, 2.0, 0.5]));
    let layer = c.neurons.attribute("layer").unwrap();
    assert_eq!((layer.get(0), layer.get(4)), (Some("L2"), Some("L5")));
    let pop = c.neurons.attribute("pop_name").unwrap();
    assert_eq!((pop.get(2), pop.get(3)), (Some("exc"), Some("inh")));
    let chem = c.edges(EdgeKind::Chemical);
    assert_eq!(chem.len(), 12, "3 x 2 exc -> inh, 2 x 3 inh -> exc");
    for id in 0..chem.len() {
        let e = chem.get(id);
        if e.pre < 3 {
            // syn_weight 5 (edge type) x 2 synapses (nsyns), delay 1.5.
            assert_eq!(
                (e.weight, e.delay, c.edge_sign(EdgeKind::Chemical, id)),
                (10.0, Some(1.5), Sign::Unknown)
            );
            assert!(e.post >= 3);
        } else {
            assert_eq!((e.weight, e.delay), (3.0, Some(2.0)));
            assert_eq!(c.edge_sign(EdgeKind::Chemical, id), Sign::Inhibitory);
            assert!(e.post < 3);
        }
    }
}

fn cli_fails(input: &Path, wanted: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args(["info", input.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(wanted), "{stderr}");
}

#[test]
fn two_edge_groups_and_truncated_files_exit_2() {
    let e = load(&fixture("two_groups")).unwrap_err();
    assert!(e.to_string().contains("2 edge groups"), "{e}");
    cli_fails(&fixture("two_groups"), "one edge group");

    let worm = io::load("celegans-cook2019", &Default::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cut.sonata");
    io::save(&worm, &dir).unwrap();
    let edges = std::fs::read(dir.join("edges.h5")).unwrap();
    std::fs::write(dir.join("edges.h5"), &edges[..edges.len() / 2]).unwrap();
    cli_fails(&dir, "edges.h5");
    std::fs::write(dir.join("nodes.h5"), b"not hdf5").unwrap();
    cli_fails(&dir, "nodes.h5: not a readable SONATA HDF5 file");
}
