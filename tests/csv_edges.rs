//! CSV/TSV edge lists and neuron tables: header detection, signs, sidecars, round trips and
//! every kind of bad input the issue lists.

use std::io::Write;
use std::path::{Path, PathBuf};

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, Location, Problem, ReadError};
use connectoscope::model::{EdgeKind, Sign};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn load(path: &Path) -> Result<Connectome, ReadError> {
    io::load(path.to_str().unwrap(), &LoadOptions::default())
}

/// Loads `text` as `name` and returns the error it must produce.
fn error_of(name: &str, text: &[u8]) -> ReadError {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text);
    match load(&path) {
        Ok(c) => panic!("{name} loaded ({} neurons) but should fail", c.neurons.len()),
        Err(e) => {
            assert_eq!(e.path, path, "the error names the file");
            e
        }
    }
}

#[test]
fn headerless_integer_ids_with_signed_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "g.csv", b"0,27,3\n27,1,-2\n1,0,1.5\n");
    let c = load(&path).unwrap();
    assert_eq!(
        c.neurons.names(),
        ["0", "1", "27"],
        "integer names are ordered numerically"
    );
    let e = c.chemical.get(c.chemical.find(2, 1).unwrap());
    assert_eq!((e.weight, e.sign), (2.0, Sign::Inhibitory));
    assert_eq!(
        c.edge_sign(EdgeKind::Chemical, c.chemical.find(0, 2).unwrap()),
        Sign::Unknown
    );
    assert_eq!(c.chemical.total_weight(), 6.5);
}

#[test]
fn header_aliases_types_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Source\tTarget\tType\tsynapses\n\
                a\tb\tChemical\t2\n\
                a\tb\tchemical\t3\n\
                b\ta\tGap Junction\t1\n\
                a\tb\tEJ\t4\n\
                c\tc\telectrical\t1\n\
                a\tc\tfunctional\t7\n";
    let c = load(&write(dir.path(), "g.tsv", text.as_bytes())).unwrap();
    let s = c.summary();
    assert_eq!((s.neurons, s.chemical.edges, s.chemical.weight), (3, 1, 5.0));
    // b-a and a-b are the same junction: every junction between two neurons here has its
    // reverse, so the file lists them both ways; the mean of the directions (1 and 4) is taken.
    assert_eq!((s.electrical.edges, s.electrical.weight), (2, 2.5 + 1.0));
    assert_eq!((s.other.edges, s.other.weight), (1, 7.0));
}

#[test]
fn flywire_ids_survive_exactly_and_gzip_is_transparent() {
    let dir = tempfile::tempdir().unwrap();
    let text = "pre_root_id,post_root_id,neuropil,syn_count,nt_type\n\
                720575940629970489,720575940631267655,AVLP_R,5,GABA\n\
                720575940629970489,720575940631267655,PVLP_R,7,GABA\n\
                720575940631267655,720575940629970489,AVLP_R,9,ACH\n";
    // Named .csv on purpose: gzip is recognised by its bytes.
    let c = load(&write(dir.path(), "conn.csv", &gzip(text.as_bytes()))).unwrap();
    assert_eq!(c.neurons.names(), ["720575940629970489", "720575940631267655"]);
    assert_eq!(c.chemical.get(0).weight, 12.0, "summed over neuropils");
    assert_eq!(
        c.neurons.sign,
        [Sign::Inhibitory, Sign::Excitatory],
        "signs from nt_type"
    );
}

#[test]
fn sidecar_neuron_table_defines_the_neurons() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w_edges.csv", b"pre,post,weight\nA,B,2\n");
    write(
        dir.path(),
        "w_neurons.csv",
        b"name,class,type,neurotransmitter,x,y,z,notes\nA,AC,sensory,GABA,1,2,3,first\nB,BC,motor,,4,5,6,\nC,CC,inter,Acetylcholine,,,,lonely\n",
    );
    let c = load(&dir.path().join("w_edges.csv")).unwrap();
    assert_eq!(c.neurons.names(), ["A", "B", "C"], "isolated C is kept");
    assert_eq!(c.neurons.sign, [Sign::Inhibitory, Sign::Unknown, Sign::Excitatory]);
    assert_eq!(c.neurons.position[1], Some([4.0, 5.0, 6.0]));
    assert_eq!(c.neurons.position[2], None);
    assert_eq!(c.neurons.attribute("notes").unwrap().get(2), Some("lonely"));

    write(dir.path(), "w_edges.csv", b"pre,post,weight\nA,B,2\nA,Z,1\n");
    let e = load(&dir.path().join("w_edges.csv")).unwrap_err();
    assert_eq!(e.problem, Problem::UnknownNode("Z".into()));
    assert_eq!(
        e.location,
        Location::Cell {
            line: 3,
            column: "post".into()
        }
    );
}

#[test]
fn csv_round_trip_keeps_everything() {
    for name in [
        "celegans-cook2019",
        "drosophila-opticlobe-flyvis",
        "celegans-varshney2011",
    ] {
        let original = io::load(name, &LoadOptions::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        io::save(&original, &path).unwrap();
        let back = load(&path).unwrap();
        assert_eq!(back.neurons, original.neurons, "{name}");
        for kind in EdgeKind::ALL {
            assert_eq!(back.edges(kind), original.edges(kind), "{name} {kind:?}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            2,
            "edges + neuron table, no temporary files: {leftovers:?}"
        );
    }
}

#[test]
fn delays_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(&write(
        dir.path(),
        "d.csv",
        b"pre,post,weight,delay\na,b,1,1.5\nb,a,2,\n",
    ))
    .unwrap();
    assert_eq!(c.chemical.get(0).delay, Some(1.5));
    assert_eq!(c.chemical.get(1).delay, None);
    let out = dir.path().join("o.csv");
    io::save(&c, &out).unwrap();
    assert_eq!(load(&out).unwrap().chemical, c.chemical);
}

#[test]
fn empty_and_header_only() {
    assert_eq!(error_of("e.csv", b"").problem, Problem::Empty);
    assert_eq!(error_of("h.csv", b"pre,post,weight\n").problem, Problem::HeaderOnly);
}

#[test]
fn missing_required_column() {
    let e = error_of("m.csv", b"pre,weight\nA,1\n");
    assert!(matches!(&e.problem, Problem::MissingColumn { wanted, .. } if wanted.starts_with("post")));
    assert_eq!(e.location, Location::Line(1));
    let e = error_of("u.csv", b"alpha,beta,gamma\nA,B,1\n");
    assert!(matches!(e.problem, Problem::MissingColumn { .. }), "{e}");
}

#[test]
fn bad_numbers_name_line_and_column() {
    let e = error_of("w.csv", b"pre,post,weight\nA,B,1\nA,C,three\n");
    assert_eq!(e.problem, Problem::NotANumber("three".into()));
    assert_eq!(
        e.location,
        Location::Cell {
            line: 3,
            column: "weight".into()
        }
    );
    assert_eq!(
        e.to_string(),
        format!("{}:3: column 'weight': 'three' is not a number", e.path.display())
    );
    assert!(matches!(
        error_of("n.csv", b"pre,post,weight\nA,B,NaN\n").problem,
        Problem::NotFinite(_)
    ));
    assert!(matches!(
        error_of("i.csv", b"pre,post,weight\nA,B,-inf\n").problem,
        Problem::NotFinite(_)
    ));
    let e = error_of("c.csv", b"pre,post,syn_count\nA,B,-4\n");
    assert_eq!(e.problem, Problem::NegativeCount("-4".into()));
    assert_eq!(
        e.location,
        Location::Cell {
            line: 2,
            column: "syn_count".into()
        }
    );
}

#[test]
fn ragged_rows_and_unknown_types() {
    let e = error_of("r.csv", b"pre,post,weight\nA,B,1\nA,C\n");
    assert_eq!(e.problem, Problem::Ragged { expected: 3, found: 2 });
    assert_eq!(e.line(), Some(3));
    let e = error_of("s.csv", b"pre,post,weight,sign\nA,B,1,maybe\n");
    assert_eq!(e.problem, Problem::UnknownSign("maybe".into()));
    let e = error_of("x.csv", b"pre,post,weight,sign\nA,B,-1,+\n");
    assert!(matches!(e.problem, Problem::Conflict(_)));
    let e = error_of("y.csv", b"pre,post,weight,sign\nA,B,1,+\nA,B,1,-\n");
    assert!(matches!(e.problem, Problem::Conflict(_)));
    assert_eq!(e.line(), Some(3));
}

#[test]
fn binary_garbage_and_bad_encoding() {
    let e = error_of("b.csv", b"pre,post\nA,B\n\x00\x01\x02\xff\xfe");
    assert_eq!((e.line(), e.problem), (Some(3), Problem::Binary));
    let e = error_of("l.csv", b"pre,post\nA,\xe9t\xe9\n");
    assert_eq!(e.problem, Problem::NotUtf8);
    // Random bytes without NULs: still never a graph.
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 1)
        .collect();
    error_of("noise.csv", &noise);
}

#[test]
fn corrupt_and_truncated_gzip() {
    let good = gzip(b"pre,post,weight\nA,B,1\nB,C,2\n");
    let mut corrupt = good.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0xff;
    corrupt[mid + 1] ^= 0x55;
    assert!(matches!(error_of("c.csv.gz", &corrupt).problem, Problem::Gzip(_)));
    let truncated = &good[..good.len() - 12];
    assert!(matches!(error_of("t.csv.gz", truncated).problem, Problem::Gzip(_)));
}

#[test]
fn very_long_lines_are_refused() {
    let mut text = b"pre,post,weight\nA,B,1\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', io::MAX_LINE_BYTES + 10));
    text.extend(b",B,1\n");
    let e = error_of("long.csv", &text);
    assert_eq!(
        (e.line(), e.problem),
        (Some(3), Problem::LineTooLong(io::MAX_LINE_BYTES))
    );
}

#[test]
fn neuron_table_errors() {
    let dir = tempfile::tempdir().unwrap();
    let edges = write(dir.path(), "e.csv", b"pre,post\nA,B\n");
    let check = |table: &[u8], expect: Problem, line: u64| {
        let t = write(dir.path(), "t.csv", table);
        let options = LoadOptions {
            neuron_table: Some(t.clone()),
            ..Default::default()
        };
        let e = io::load(edges.to_str().unwrap(), &options).unwrap_err();
        assert_eq!((e.line(), &e.path, e.problem), (Some(line), &t, expect));
    };
    check(b"name,class\nA,x\nA,y\n", Problem::DuplicateNode("A".into()), 3);
    check(b"name,x,y,z\nA,1,2,zz\nB,1,2,3\n", Problem::NotANumber("zz".into()), 2);
    check(
        b"name,sign\nA,+\nB,sideways\n",
        Problem::UnknownSign("sideways".into()),
        3,
    );
    check(
        b"name,x,y\nA,1,2\n",
        Problem::Invalid("a position needs all of x, y and z".into()),
        2,
    );
    check(
        b"label,class\nA,x\n",
        Problem::MissingColumn {
            wanted: "name (or id, bodyId, root_id)".into(),
            found: "label,class".into(),
        },
        1,
    );
}

#[test]
fn unknown_dataset_or_missing_file() {
    let e = io::load("celegans-cook2091", &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("not a bundled dataset"), "{e}");
}
