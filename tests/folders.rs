//! neuPrint export folders and FlyWire Codex download folders, from small hand-written
//! fixtures.

use std::io::Write;
use std::path::{Path, PathBuf};

use connectoscope::Connectome;
use connectoscope::io::{self, Format, LoadOptions, Location, Problem, ReadError};
use connectoscope::model::{Sign, SignRule, WarningCode};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn write_gz(dir: &Path, name: &str, text: &str) -> PathBuf {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, enc.finish().unwrap()).unwrap();
    path
}

fn load(dir: &Path) -> Result<Connectome, ReadError> {
    io::load(dir.to_str().unwrap(), &LoadOptions::default())
}

fn weight(c: &Connectome, pre: &str, post: &str) -> Option<f64> {
    let (a, b) = (c.neurons.find(pre)?, c.neurons.find(post)?);
    c.chemical.find(a, b).map(|id| c.chemical.get(id).weight)
}

// ---------------------------------------------------------------------------------- neuPrint

const NP_NEURONS: &str = "\
bodyId,type,instance,status,somaLocation,roiInfo,pre,post
1003215282,MBON01,MBON01(y5B'2a)_R,Traced,\"[19760, 23544, 14920]\",\"{\"\"SNP(R)\"\": {\"\"pre\"\": 5, \"\"post\"\": 10}, \"\"MB(R)\"\": {\"\"post\"\": 3}}\",50,100
5813057274,KCg-m,KCg-m_R,Traced,,{},10,20
9007199254740993,,,Orphan,\"[1, 2, 3]\",{},0,4
";

const NP_TOTAL: &str = "\
bodyId_pre,bodyId_post,weight
1003215282,5813057274,12
5813057274,1003215282,3
9007199254740993,1003215282,7
";

/// The same synapses split by ROI (12 = 10 + 2).
const NP_ROI: &str = "\
bodyId_pre,bodyId_post,roi,weight
1003215282,5813057274,MB(R),10
1003215282,5813057274,SNP(R),2
5813057274,1003215282,MB(R),3
9007199254740993,1003215282,SNP(R),7
";

fn neuprint_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

#[test]
fn neuprint_export_loads_with_its_annotations() {
    let dir = neuprint_dir(&[("neurons.csv", NP_NEURONS), ("total-connections.csv", NP_TOTAL)]);
    assert_eq!(Format::detect(dir.path()).unwrap(), Format::NeuprintFolder);
    let c = load(dir.path()).unwrap();
    let n = &c.neurons;
    // Neurons in the table's order; a body id beyond 2^53 survives exactly.
    assert_eq!(n.names(), ["1003215282", "5813057274", "9007199254740993"]);
    assert_eq!((c.chemical.len(), c.chemical.total_weight()), (3, 22.0));
    assert_eq!(weight(&c, "1003215282", "5813057274"), Some(12.0));
    assert_eq!(weight(&c, "9007199254740993", "1003215282"), Some(7.0));
    assert_eq!(c.weight_unit, "synapses");
    let mbon = n.find("1003215282").unwrap();
    assert_eq!(n.cell_type.get(mbon), Some("MBON01"));
    assert_eq!(
        n.attribute("instance").and_then(|a| a.get(mbon)),
        Some("MBON01(y5B'2a)_R")
    );
    assert_eq!(n.attribute("status").and_then(|a| a.get(2)), Some("Orphan"));
    // A quoted cell with commas inside is one cell.
    assert_eq!(
        n.attribute("roiInfo").and_then(|a| a.get(mbon)),
        Some(r#"{"SNP(R)": {"pre": 5, "post": 10}, "MB(R)": {"post": 3}}"#)
    );
    assert_eq!(n.position[mbon], Some([19760.0, 23544.0, 14920.0]));
    assert_eq!(n.position[1], None);
    assert_eq!(n.position_unit.as_deref(), Some("voxels (8 nm)"));
}

#[test]
fn neuprint_prefers_total_connections_over_roi_splits() {
    let both = neuprint_dir(&[
        ("neurons.csv", NP_NEURONS),
        ("total-connections.csv", NP_TOTAL),
        ("roi-connections.csv", NP_ROI),
    ]);
    let c = load(both.path()).unwrap();
    assert_eq!(
        c.chemical.total_weight(),
        22.0,
        "ROI rows must not be added to the totals"
    );
    // Only the ROI file: its rows are summed per pair.
    let roi = neuprint_dir(&[("neurons.csv", NP_NEURONS), ("roi-connections.csv", NP_ROI)]);
    let c = load(roi.path()).unwrap();
    assert_eq!(weight(&c, "1003215282", "5813057274"), Some(12.0));
    assert_eq!((c.chemical.len(), c.chemical.total_weight()), (3, 22.0));
}

#[test]
fn neuprint_variants_xyz_columns_traced_prefix_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "traced-neurons.csv",
        "bodyId,type,x,y,z\n1,A,10,20,30\n2,B,,,\n",
    );
    write_gz(
        dir.path(),
        "traced-total-connections.csv.gz",
        "bodyId_pre,bodyId_post,weight\n1,2,5\n2,1,1\n",
    );
    let c = load(dir.path()).unwrap();
    assert_eq!(c.neurons.position[0], Some([10.0, 20.0, 30.0]));
    assert_eq!(c.neurons.position[1], None);
    assert_eq!(c.chemical.total_weight(), 6.0);
}

#[test]
fn neuprint_connection_to_an_unlisted_body_is_an_error() {
    let total = format!("{NP_TOTAL}1003215282,42,1\n");
    let dir = neuprint_dir(&[("neurons.csv", NP_NEURONS), ("total-connections.csv", &total)]);
    let e = load(dir.path()).unwrap_err();
    assert_eq!(e.path, dir.path().join("total-connections.csv"));
    assert_eq!(e.line(), Some(5));
    assert_eq!(e.problem, Problem::UnknownNode("42".into()));
}

#[test]
fn neuprint_weights_are_counts() {
    let total = "bodyId_pre,bodyId_post,weight\n1003215282,5813057274,-3\n";
    let dir = neuprint_dir(&[("neurons.csv", NP_NEURONS), ("total-connections.csv", total)]);
    let e = load(dir.path()).unwrap_err();
    assert_eq!(
        e.location,
        Location::Cell {
            line: 2,
            column: "weight".into()
        }
    );
    assert_eq!(e.problem, Problem::NegativeCount("-3".into()));
}

#[test]
fn neuprint_missing_required_columns() {
    let dir = neuprint_dir(&[
        ("neurons.csv", "type,instance\nA,a\n"),
        ("total-connections.csv", NP_TOTAL),
    ]);
    let e = load(dir.path()).unwrap_err();
    assert_eq!(e.path, dir.path().join("neurons.csv"));
    assert!(matches!(e.problem, Problem::MissingColumn { .. }), "{e}");
    let dir = neuprint_dir(&[
        ("neurons.csv", NP_NEURONS),
        ("total-connections.csv", "bodyId_pre,weight\n1,2\n"),
    ]);
    let e = load(dir.path()).unwrap_err();
    assert_eq!(e.path, dir.path().join("total-connections.csv"));
    assert!(
        matches!(&e.problem, Problem::MissingColumn { wanted, .. } if wanted.starts_with("post")),
        "{e}"
    );
}

// ------------------------------------------------------------------------------------- Codex

const A: &str = "720575940629970489";
const B: &str = "720575940610000001";
const C: &str = "720575940620000002";
/// In the connections but not in neurons.csv.gz.
const D: &str = "720575940699999999";

fn codex_connections(with_d: bool) -> String {
    let mut text = format!(
        "pre_root_id,post_root_id,neuropil,syn_count,nt_type\n\
         {A},{B},AVLP_R,4,ACH\n\
         {A},{B},PVLP_R,3,ACH\n\
         {B},{A},AVLP_R,6,GABA\n\
         {B},{C},SLP_L,5,GABA\n\
         {C},{A},GNG,2,GLUT\n"
    );
    if with_d {
        text += &format!("{C},{D},GNG,8,GLUT\n");
    }
    text
}

/// A Codex folder: A, B, C in neurons.csv.gz (C without a transmitter), D only in the
/// connections when `with_d`.
fn codex_dir(with_d: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write_gz(p, "connections.csv.gz", &codex_connections(with_d));
    write_gz(
        p,
        "neurons.csv.gz",
        &format!(
            "root_id,group,nt_type,nt_type_score,da_avg\n{B},AVLP_R.AVLP_R,GABA,0.9,0.01\n\
             {A},AVLP_R.PVLP_R,ACH,0.8,0.02\n{C},SLP_L.SLP_L,,,\n"
        ),
    );
    write_gz(
        p,
        "classification.csv.gz",
        &format!(
            "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve\n\
             {A},intrinsic,central,ALPN,,DA1_lPN,DA1_lPN,ALad1,right,\n\
             {B},intrinsic,central,LHLN,,,,,left,\n\
             720575940123456789,afferent,sensory,,,,,,left,AN\n"
        ),
    );
    write_gz(
        p,
        "consolidated_cell_types.csv.gz",
        &format!("root_id,primary_type,additional_type(s)\n{A},DA1_lPN_R,\n{B},LHAV4a4,\"LHAV4a4, LHAV4a5\"\n"),
    );
    write_gz(
        p,
        "coordinates.csv.gz",
        &format!(
            "root_id,position,supervoxel_id\n{A},[433152 217664 200000],78000000000000001\n\
             {A},[1 2 3],78000000000000002\n{B},[100 200 300],78000000000000003\n"
        ),
    );
    dir
}

#[test]
fn codex_download_loads_with_its_annotations() {
    for with_d in [false, true] {
        let dir = codex_dir(with_d);
        assert_eq!(Format::detect(dir.path()).unwrap(), Format::CodexFolder);
        let c = load(dir.path()).unwrap();
        let n = &c.neurons;
        // neurons.csv.gz order, then endpoints it does not list; 18-digit ids exact.
        let mut names = vec![B, A, C];
        if with_d {
            names.push(D);
        }
        assert_eq!(n.names(), names, "with_d {with_d}");
        // Rows of a pair over several neuropils are summed.
        assert_eq!(weight(&c, A, B), Some(7.0));
        assert_eq!(weight(&c, B, A), Some(6.0));
        assert_eq!(c.chemical.len(), 4 + with_d as usize);
        assert_eq!(c.chemical.total_weight(), if with_d { 28.0 } else { 20.0 });
        let (a, b, cc) = (n.find(A).unwrap(), n.find(B).unwrap(), n.find(C).unwrap());
        // classification: class and cell_type land in their fields, the rest in attributes.
        assert_eq!(n.class.get(a), Some("ALPN"));
        assert_eq!(n.cell_type.get(a), Some("DA1_lPN"), "classification's type wins");
        assert_eq!(
            n.cell_type.get(b),
            Some("LHAV4a4"),
            "consolidated primary_type fills the gap"
        );
        assert_eq!(n.attribute("super_class").and_then(|s| s.get(a)), Some("central"));
        assert_eq!(n.attribute("side").and_then(|s| s.get(b)), Some("left"));
        assert_eq!(n.attribute("hemibrain_type").and_then(|s| s.get(a)), Some("DA1_lPN"));
        assert_eq!(n.attribute("group").and_then(|s| s.get(a)), Some("AVLP_R.PVLP_R"));
        assert_eq!(
            n.attribute("additional_type(s)").and_then(|s| s.get(b)),
            Some("LHAV4a4, LHAV4a5")
        );
        assert!(
            n.find("720575940123456789").is_none(),
            "annotation rows do not add neurons"
        );
        // Transmitters: neurons.csv.gz, else the connection rows; signs follow.
        assert_eq!(n.neurotransmitter.get(b), Some("GABA"));
        assert_eq!(n.neurotransmitter.get(cc), Some("GLUT"));
        assert_eq!(
            (n.sign[a], n.sign[b], n.sign[cc]),
            (Sign::Excitatory, Sign::Inhibitory, Sign::Excitatory)
        );
        // Several coordinates per neuron: the first wins; nm.
        assert_eq!(n.position[a], Some([433152.0, 217664.0, 200000.0]));
        assert_eq!(n.position[b], Some([100.0, 200.0, 300.0]));
        assert_eq!(n.position[cc], None);
        assert_eq!(n.position_unit.as_deref(), Some("nm"));
        assert_eq!(
            n.attribute("supervoxel_id").and_then(|s| s.get(a)),
            Some("78000000000000001")
        );
        // The endpoint missing from neurons.csv.gz is added, and said so.
        let added = c.import_report.get(WarningCode::AddedNeurons);
        assert_eq!(added.map(|w| w.count), with_d.then_some(1));
        if let Some(w) = added {
            assert!(w.message.contains(D), "{}", w.message);
        }
    }
}

#[test]
fn codex_sign_rule_and_extra_neuron_table() {
    for with_d in [false, true] {
        let dir = codex_dir(with_d);
        let extra = write(
            dir.path(),
            "extra.txt",
            &format!("root_id,nt_type,note\n{C},GABA,checked\n"),
        );
        let options = LoadOptions {
            sign_rule: SignRule {
                glutamate: Sign::Inhibitory,
            },
            neuron_table: Some(extra),
            ..Default::default()
        };
        let c = io::load(dir.path().to_str().unwrap(), &options).unwrap();
        let n = &c.neurons;
        let cc = n.find(C).unwrap();
        // A table's transmitter wins over the one a connection row gave.
        assert_eq!(n.neurotransmitter.get(cc), Some("GABA"), "with_d {with_d}");
        assert_eq!(n.attribute("note").and_then(|s| s.get(cc)), Some("checked"));
        if with_d {
            // D's only transmitter is from its (post) rows: none.
            assert_eq!(n.sign[n.find(D).unwrap()], Sign::Unknown);
        }
        let a = n.find(A).unwrap();
        assert_eq!(n.sign[a], Sign::Excitatory);
    }
}

#[test]
fn codex_without_neuron_list_takes_the_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    write_gz(dir.path(), "connections.csv.gz", &codex_connections(true));
    write_gz(
        dir.path(),
        "classification.csv.gz",
        &format!("root_id,class,cell_type\n{D},X,Y\n"),
    );
    let c = load(dir.path()).unwrap();
    // Integer ids in numeric order.
    assert_eq!(c.neurons.names(), [B, C, A, D]);
    assert_eq!(c.chemical.total_weight(), 28.0);
    let d = c.neurons.find(D).unwrap();
    assert_eq!(
        (c.neurons.class.get(d), c.neurons.cell_type.get(d)),
        (Some("X"), Some("Y"))
    );
    assert_eq!(c.neurons.neurotransmitter.get(c.neurons.find(C).unwrap()), Some("GLUT"));
}

#[test]
fn codex_several_connection_files() {
    // connections.csv.gz is the one read; the unthresholded list is not added to it.
    let dir = codex_dir(false);
    write_gz(
        dir.path(),
        "connections_no_threshold.csv.gz",
        &format!("pre_root_id,post_root_id,neuropil,syn_count,nt_type\n{A},{B},AVLP_R,100,ACH\n"),
    );
    let c = load(dir.path()).unwrap();
    assert_eq!(weight(&c, A, B), Some(7.0));
    // Without connections.csv.gz there is no telling which is meant.
    std::fs::remove_file(dir.path().join("connections.csv.gz")).unwrap();
    write_gz(dir.path(), "connections_princeton.csv.gz", &codex_connections(false));
    let e = load(dir.path()).unwrap_err();
    assert_eq!(e.path, dir.path());
    match &e.problem {
        Problem::Invalid(m) => {
            assert!(
                m.contains("connections_no_threshold.csv.gz") && m.contains("connections_princeton.csv.gz"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Still a Codex folder, so the error is about the files, not the format.
    assert_eq!(Format::detect(dir.path()).unwrap(), Format::CodexFolder);
}

#[test]
fn codex_corrupt_gzip_names_the_file() {
    for name in [
        "connections.csv.gz",
        "classification.csv.gz",
        "neurons.csv.gz",
        "coordinates.csv.gz",
    ] {
        let dir = codex_dir(false);
        let path = dir.path().join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 8] {
            *b ^= 0xa5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let e = load(dir.path()).unwrap_err();
        assert_eq!(e.path, path, "{e}");
        assert!(matches!(e.problem, Problem::Gzip(_)), "{name}: {e}");
        // Truncated rather than damaged.
        std::fs::write(&path, &bytes[..mid]).unwrap();
        let e = load(dir.path()).unwrap_err();
        assert_eq!(e.path, path, "{e}");
        assert!(matches!(e.problem, Problem::Gzip(_)), "{name}: {e}");
    }
}

#[test]
fn codex_missing_required_column() {
    let dir = codex_dir(false);
    write_gz(
        dir.path(),
        "connections.csv.gz",
        &format!("pre_root_id,neuropil,syn_count\n{A},GNG,3\n"),
    );
    let e = load(dir.path()).unwrap_err();
    assert_eq!(e.path, dir.path().join("connections.csv.gz"));
    assert!(
        matches!(&e.problem, Problem::MissingColumn { wanted, .. } if wanted.starts_with("post")),
        "{e}"
    );
    let dir = codex_dir(false);
    write_gz(dir.path(), "coordinates.csv.gz", "position,supervoxel_id\n[1 2 3],5\n");
    let e = load(dir.path()).unwrap_err();
    assert_eq!(e.path, dir.path().join("coordinates.csv.gz"));
    assert!(matches!(e.problem, Problem::MissingColumn { .. }), "{e}");
}

#[test]
fn codex_counts_must_not_be_negative() {
    let dir = codex_dir(false);
    write_gz(
        dir.path(),
        "connections.csv.gz",
        &format!("pre_root_id,post_root_id,syn_count\n{A},{B},3\n{A},{B},-1\n"),
    );
    let e = load(dir.path()).unwrap_err();
    assert_eq!(
        e.location,
        Location::Cell {
            line: 3,
            column: "syn_count".into()
        }
    );
    assert_eq!(e.problem, Problem::NegativeCount("-1".into()));
}

#[test]
fn folders_that_are_neither() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "neurons.csv", NP_NEURONS);
    let e = load(dir.path()).unwrap_err();
    assert!(matches!(e.problem, Problem::UnknownFormat(_)), "{e}");
}
