//! Files from the wild: public files written by others, read the way a new user would, with
//! the import report checked to the count.

use std::path::PathBuf;

use connectoscope::io::{self, LoadOptions};
use connectoscope::model::{Connectome, WarningCode};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
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
    assert_eq!(back.other.original_type(back.other.find(x, y).unwrap()), Some("telepathic"));
}
