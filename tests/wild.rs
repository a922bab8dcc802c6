//! Files from the wild: public files written by others, read the way a new user would, with
//! the import report checked to the count.

use std::path::PathBuf;

use connectoscope::io::{self, LoadOptions};
use connectoscope::model::{Connectome, WarningCode};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(path: &std::path::Path) -> Connectome {
    io::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn count(c: &Connectome, code: WarningCode) -> Option<usize> {
    c.import_report.get(code).map(|w| w.count)
}

/// Cook 2019 as OpenWorm's cect ships it: padded names, gap junctions listed both ways, 13
/// pairs whose directions disagree. Expected figures from Python's csv module over the same
/// file (scripts/make_wild_fixtures.py prints them).
#[test]
fn cook2019_gap_junctions_listed_both_ways_are_read_once() {
    let c = load(&fixture("wild/cook2019_herm_full_edgelist.csv.gz"));
    assert_eq!(c.neurons.len(), 448);
    assert_eq!((c.chemical.len(), c.chemical.total_weight()), (4681, 27019.0));
    // 2,698 electrical rows: 1,359 pairs, each pair's weight the mean of its two directions.
    assert_eq!((c.electrical.len(), c.electrical.total_weight()), (1359, 6368.0));
    let find = |a: &str, b: &str| {
        let (a, b) = (c.neurons.find(a).unwrap(), c.neurons.find(b).unwrap());
        c.electrical.get(c.electrical.find(a.min(b), a.max(b)).unwrap()).weight
    };
    assert_eq!(find("PVPL", "hyp"), (47.0 + 41.0) / 2.0);
    assert_eq!(find("AVAL", "VA05"), 4.5);
    // 1,339 pairs between two neurons listed both ways (2,678 rows), 26 rows disagreeing.
    assert_eq!(count(&c, WarningCode::BothWaysListing), Some(1339));
    let asymmetric = c.import_report.get(WarningCode::AsymmetricPairs).unwrap();
    assert_eq!(asymmetric.count, 26);
    assert!(asymmetric.message.contains("13 pairs"), "{}", asymmetric.message);
    // Every name cell but the integers is padded: 7,379 rows x 2 cells.
    assert_eq!(count(&c, WarningCode::TrimmedNames), Some(14758));
    assert_eq!(count(&c, WarningCode::MergedDuplicates), None);
    c.check_invariants().unwrap();
}

#[test]
fn csv_unknown_types_names_by_case_and_undirected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wild.csv");
    std::fs::write(
        &path,
        "pre,post,type,weight\n\
         mc2DR,mc2dr,AlphaSynapse,1\n\
         mc2dr,mc2DR,AlphaSynapse,2\n\
         mc2DR,x,telepathic,1\n\
         x,y,undirected,3\n\
         y,x,undirected,3\n\
         x,y,chemical,1\n",
    )
    .unwrap();
    let c = load(&path);
    // mc2DR and mc2dr are two neurons (a real file has both), reported.
    assert_eq!(c.neurons.len(), 4);
    assert_eq!(count(&c, WarningCode::NamesDifferByCase), Some(1));
    assert_eq!((c.other.len(), count(&c, WarningCode::UnknownKind)), (3, Some(3)));
    let x = c.neurons.find("mc2DR").unwrap();
    let y = c.neurons.find("x").unwrap();
    assert_eq!(c.other.original_type(c.other.find(x, y).unwrap()), Some("telepathic"));
    // The undirected pair listed both ways is one connection of weight 3.
    assert_eq!((c.undirected.len(), c.undirected.total_weight()), (1, 3.0));
    assert_eq!(count(&c, WarningCode::UndirectedEdges), Some(1));
    // Written and read back, the unknown types survive.
    let out = dir.path().join("back.csv");
    io::save(&c, &out).unwrap();
    let back = load(&out);
    assert_eq!(back, c);
    assert_eq!(
        back.other.original_type(back.other.find(x, y).unwrap()),
        Some("telepathic")
    );
}

/// Neuron tables as pandas writes them: an index column with an empty header. The texts are
/// what pandas 2 gives for `pd.DataFrame({"name": [...], "class": [...]}).to_csv()` and
/// `pd.DataFrame({"Completed": [...]}, index=["A", "B", "C"]).to_csv()`.
#[test]
fn pandas_index_columns_in_neuron_tables() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("g.csv"), "pre,post,weight\nA,B,1\nB,C,2\n").unwrap();
    // With a name column: the index is not an attribute.
    std::fs::write(dir.path().join("g.neurons.csv"), ",name,class\n0,A,X\n1,B,X\n2,C,Y\n").unwrap();
    let c = load(&dir.path().join("g.csv"));
    assert_eq!(c.neurons.names(), ["A", "B", "C"]);
    assert_eq!(c.neurons.class.get(2), Some("Y"));
    assert!(c.neurons.attributes.is_empty(), "{:?}", c.neurons.attributes);
    assert_eq!(count(&c, WarningCode::IndexColumn), Some(3));
    // Indexed by name (Shiu et al.'s Completeness_783.csv): the index holds the names.
    std::fs::write(
        dir.path().join("g.neurons.csv"),
        ",Completed\nA,True\nB,True\nC,False\n",
    )
    .unwrap();
    let c = load(&dir.path().join("g.csv"));
    assert_eq!(c.neurons.names(), ["A", "B", "C"]);
    assert_eq!(c.neurons.attribute("Completed").unwrap().get(2), Some("False"));
    let w = c.import_report.get(WarningCode::IndexColumn).unwrap();
    assert!(w.message.contains("holds the neuron names"), "{}", w.message);
}

/// A file we cannot read names the formats we do, instead of complaining about CSV columns.
#[test]
fn unreadable_files_name_the_formats_we_read() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("notes.dat", &b"hello world\nthis is not a graph\n"[..]),
        ("picture.svg", b"<?xml version=\"1.0\"?>\n<svg width=\"1\"/>\n"),
        ("blob", b"\x00\x01\x02binary"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let e = io::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap_err();
        let text = e.to_string();
        assert!(matches!(e.problem, io::Problem::UnknownFormat(_)), "{text}");
        assert!(
            text.contains("GML") && text.contains("NeuroML2") && text.contains("Parquet"),
            "{text}"
        );
    }
    // A GML file without its extension is still read.
    let path = dir.path().join("worm");
    std::fs::write(
        &path,
        "graph [ node [ id 0 label \"A\" ] node [ id 1 label \"B\" ] edge [ source 0 target 1 ] ]",
    )
    .unwrap();
    assert_eq!(load(&path).undirected.len(), 1);
}

/// An undirected graph's neurons are coupled when simulated: a synapse each way by default,
/// gap junctions or nothing on request.
#[test]
fn simulate_couples_undirected_connections() {
    use connectoscope::sim::{Network, NetworkParams, UndirectedAs};
    let c = load(&fixture("gml/nx_undirected.gml"));
    let build = |undirected| {
        Network::build(
            &c,
            &NetworkParams {
                undirected,
                ..Default::default()
            },
        )
    };
    let net = build(UndirectedAs::Synapses);
    assert_eq!((net.synapses(), net.gap_partners.len()), (6, 0));
    // AIBL -> AIBR and back, each with the connection's weight (4) and an excitatory sign.
    let (aibl, aibr) = (c.neurons.find("AIBL").unwrap(), c.neurons.find("AIBR").unwrap());
    let row = |i: usize| net.out_offsets[i] as usize..net.out_offsets[i + 1] as usize;
    let to = |a: usize, b: usize| row(a).find(|&k| net.targets[k] == b as u32).map(|k| net.weights[k]);
    assert_eq!((to(aibl, aibr), to(aibr, aibl)), (Some(4.0), Some(4.0)));
    let net = build(UndirectedAs::Gap);
    assert_eq!((net.synapses(), net.gap_partners.len()), (0, 6));
    let net = build(UndirectedAs::None);
    assert_eq!((net.synapses(), net.gap_partners.len()), (0, 0));
}

/// Communities see an undirected graph's connections (as gap junctions: once per pair in the
/// undirected projection, an arc each way in the directed one).
#[test]
fn communities_project_undirected_connections() {
    use connectoscope::analysis::communities::{projection, projection_directed};
    let c = load(&fixture("gml/nx_undirected.gml"));
    let aibl = c.neurons.find("AIBL").unwrap();
    assert_eq!(projection(&c).strength(aibl), 4.0 + 1.0);
    let directed: Vec<_> = connectoscope::analysis::communities::directed_arcs(&c).collect();
    assert_eq!(directed.len(), 6);
    assert_eq!(directed.iter().map(|a| a.2).sum::<f64>(), 2.0 * 7.0);
    assert!(projection_directed(&c).is_directed());
}
