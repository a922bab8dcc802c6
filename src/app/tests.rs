//! Headless tests of the viewer's logic (no window, no GPU).

use super::context::colors::{self, ColorBy, CustomColors};
use super::context::geometry;
use super::context::graph::{GraphData, partners};
use super::context::lod::{EdgeFilter, select_edges};
use super::context::query::{hop_distances, shortest_path};
use super::data::synthetic;
use super::scene::search::complete;
use crate::io::{self, LoadOptions, datasets};
use crate::model::EdgeKind;

fn worm() -> GraphData {
    GraphData::new(
        datasets::DEFAULT,
        io::load(datasets::DEFAULT, &LoadOptions::default()).unwrap(),
    )
}

fn names(g: &GraphData, v: &[usize]) -> Vec<String> {
    v.iter().map(|&i| g.c.neurons.name(i).to_string()).collect()
}

#[test]
fn search_completes_prefixes_and_classes() {
    let g = worm();
    let m = names(&g, &complete(&g, "AVA", 10));
    assert_eq!(&m[..2], ["AVAL", "AVAR"]);
    let m = names(&g, &complete(&g, "aval", 10));
    assert_eq!(m[0], "AVAL");
    // A class name finds its members even where the names do not start with it.
    let all = complete(&g, "RIA", usize::MAX);
    assert!(names(&g, &all).contains(&"RIAL".to_string()));
    assert!(complete(&g, "", 10).is_empty());
    assert!(complete(&g, "zzzz", 10).is_empty());
    assert_eq!(complete(&g, "A", 3).len(), 3);
}

#[test]
fn neighbourhood_hops() {
    let g = worm();
    let ava = g.c.neurons.find("AVAL").unwrap();
    let d = hop_distances(&g, &[ava], 2);
    assert_eq!(d[ava], 0);
    let direct: Vec<usize> = (0..g.len()).filter(|&i| d[i] == 1).collect();
    let mut expected = std::collections::BTreeSet::new();
    g.for_each_neighbour(ava, |j| {
        if j != ava {
            expected.insert(j);
        }
    });
    assert_eq!(direct, expected.into_iter().collect::<Vec<_>>());
    assert!(d.contains(&2));
    assert!(d.iter().all(|&h| h <= 2 || h == u8::MAX));
}

#[test]
fn shortest_path_prefers_heavy_connections() {
    use crate::model::{ConnectomeBuilder, Sign};
    // a -> b -> c with weight 10 each (length 0.2) versus a -> c with weight 1 (length 1).
    let mut b = ConnectomeBuilder::new();
    for n in ["a", "b", "c", "d"] {
        b.neurons.find_or_add(n);
    }
    b.add_edge(EdgeKind::Chemical, 0, 1, 10.0, Sign::Unknown, None, 1);
    b.add_edge(EdgeKind::Chemical, 1, 2, 10.0, Sign::Unknown, None, 2);
    b.add_edge(EdgeKind::Chemical, 0, 2, 1.0, Sign::Unknown, None, 3);
    b.add_edge(EdgeKind::Electrical, 3, 2, 5.0, Sign::Unknown, None, 4);
    b.add_edge(EdgeKind::Undirected, 2, 0, 0.5, Sign::Unknown, None, 5);
    let g = GraphData::new("test", b.finish().unwrap());
    let p = shortest_path(&g, 0, 2).unwrap();
    assert_eq!(p.neurons, vec![0, 1, 2]);
    assert!((p.cost - 0.2).abs() < 1e-9);
    // Gap junctions work both ways; chemical synapses only forwards.
    assert_eq!(shortest_path(&g, 3, 2).unwrap().neurons, vec![3, 2]);
    assert_eq!(shortest_path(&g, 2, 3).unwrap().neurons, vec![2, 3]);
    // c -> a only over the undirected connection (weight 0.5: length 2).
    let back = shortest_path(&g, 2, 0).unwrap();
    assert_eq!(back.neurons, vec![2, 0]);
    assert!((back.cost - 2.0).abs() < 1e-9);
    // Inputs and outputs are sorted by weight; gap junctions and undirected connections
    // appear in both.
    let (inputs, outputs) = partners(&g, 2);
    let of = |list: &[super::context::graph::Partner]| list.iter().map(|p| (p.neuron, p.kind)).collect::<Vec<_>>();
    assert_eq!(
        of(&inputs),
        vec![
            (1, EdgeKind::Chemical),
            (3, EdgeKind::Electrical),
            (0, EdgeKind::Chemical),
            (0, EdgeKind::Undirected)
        ]
    );
    assert_eq!(of(&outputs), vec![(3, EdgeKind::Electrical), (0, EdgeKind::Undirected)]);
}

#[test]
fn worm_path_between_command_interneurons() {
    let g = worm();
    let (a, b) = (g.c.neurons.find("ASHL").unwrap(), g.c.neurons.find("AVAL").unwrap());
    let p = shortest_path(&g, a, b).unwrap();
    assert_eq!(p.neurons.first(), Some(&a));
    assert_eq!(p.neurons.last(), Some(&b));
    assert!(p.cost > 0.0);
}

#[test]
fn colour_by_cell_type_uses_the_worm_convention() {
    let g = worm();
    let (c, legend) = colors::neuron_colors(&g, ColorBy::CellType, None);
    assert_eq!(c.len(), g.len());
    let i = g.c.neurons.find("ASHL").unwrap();
    assert_eq!(c[i], colors::SENSORY);
    assert_eq!(c[g.c.neurons.find("AVAL").unwrap()], colors::INTERNEURON);
    assert_eq!(
        c[g.c.neurons.find("DA01").or(g.c.neurons.find("DA1")).unwrap()],
        colors::MOTOR
    );
    let labels: Vec<&str> = legend.entries.iter().map(|(n, _)| n.as_str()).collect();
    for want in ["sensory", "interneuron", "motor"] {
        assert!(labels.contains(&want), "{labels:?}");
    }
}

#[test]
fn colour_modes_cover_every_neuron() {
    let g = worm();
    for by in [ColorBy::Neurotransmitter, ColorBy::Sign, ColorBy::Degree] {
        let (c, legend) = colors::neuron_colors(&g, by, None);
        assert_eq!(c.len(), g.len());
        assert!(!legend.title.is_empty());
        assert!(c.iter().all(|x| x.iter().all(|v| (0.0..=1.0).contains(v))));
    }
    let (c, _) = colors::neuron_colors(&g, ColorBy::Neurotransmitter, None);
    let ach = c[g.c.neurons.find("AVAL").unwrap()];
    assert_ne!(ach, colors::GREY);
    // The custom hook: used when it has one colour per neuron, grey otherwise.
    let custom = CustomColors {
        colors: vec![[0.1, 0.2, 0.3, 1.0]; g.len()],
        ..Default::default()
    };
    assert_eq!(
        colors::neuron_colors(&g, ColorBy::Custom, Some(&custom)).0[5],
        [0.1, 0.2, 0.3, 1.0]
    );
    assert_eq!(colors::neuron_colors(&g, ColorBy::Custom, None).0[5], colors::GREY);
    assert_eq!(colors::ramp(0.0)[0], 0.267);
    assert!((colors::ramp(1.0)[0] - 0.993).abs() < 1e-6);
    assert!((colors::srgb_to_linear(1.0) - 1.0).abs() < 1e-6);
}

#[test]
fn edge_level_of_detail() {
    let g = worm();
    let (mut kept, mut out) = (Vec::new(), Vec::new());
    let mut f = EdgeFilter {
        per_neuron: None,
        ..EdgeFilter::for_graph(g.c.chemical.len())
    };
    assert_eq!(EdgeFilter::for_graph(1000).per_neuron, None);
    assert_eq!(EdgeFilter::for_renderer(3_000_000, false).cap, 100_000);
    assert_eq!(
        EdgeFilter::for_renderer(3_000_000, true).cap,
        crate::app::context::lod::SOFTWARE_CAP
    );
    assert!(EdgeFilter::for_graph(4000).per_neuron.is_some());
    select_edges(&g, &f, &mut kept, &mut out);
    assert_eq!(out.len(), g.c.chemical.len() + g.c.electrical.len());
    let w = |&(k, id): &(EdgeKind, u32)| g.c.edges(k).get(id as usize).weight;
    assert!(out.windows(2).all(|p| w(&p[0]) >= w(&p[1])), "heaviest first");
    f.min_weight = 5.0;
    select_edges(&g, &f, &mut kept, &mut out);
    assert!(out.iter().all(|e| w(e) >= 5.0));
    f.electrical = false;
    select_edges(&g, &f, &mut kept, &mut out);
    assert!(out.iter().all(|e| e.0 == EdgeKind::Chemical));
    f.min_weight = 0.0;
    f.per_neuron = Some(2);
    select_edges(&g, &f, &mut kept, &mut out);
    assert!(out.len() < g.c.chemical.len());
    // Every neuron with a connection keeps at least one.
    let mut has = vec![false; g.len()];
    for &(k, id) in &out {
        let e = g.c.edges(k).get(id as usize);
        has[e.pre as usize] = true;
        has[e.post as usize] = true;
    }
    for (i, has) in has.iter().enumerate() {
        if g.in_degree[i] + g.out_degree[i] > 0 {
            assert!(has, "{}", g.c.neurons.name(i));
        }
    }
    f.cap = 10;
    select_edges(&g, &f, &mut kept, &mut out);
    assert_eq!(out.len(), 10);
}

#[test]
fn transitions_interpolate_smoothly() {
    let from = vec![[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]];
    let to = vec![[10.0, 0.0, 0.0], [1.0, 1.0, 1.0], [5.0, 5.0, 5.0]];
    let mut out = Vec::new();
    geometry::interpolate(&from, &to, 0.0, &mut out);
    assert_eq!(out[0], [0.0, 0.0, 0.0]);
    assert_eq!(out[2], [5.0, 5.0, 5.0], "new neurons start at their target");
    geometry::interpolate(&from, &to, 0.5, &mut out);
    assert!((out[0][0] - 5.0).abs() < 1e-6);
    geometry::interpolate(&from, &to, 1.0, &mut out);
    assert_eq!(out, to);
    assert!(geometry::ease(0.25) < 0.25 && geometry::ease(0.75) > 0.75);
    assert_eq!(geometry::ease(-1.0), 0.0);
    assert_eq!(geometry::ease(2.0), 1.0);
}

#[test]
fn anatomy_is_laid_across_the_screen() {
    // A long thin cloud along y becomes one along x; handedness is kept.
    let layout = vec![[0.0, -1.0, 0.0], [0.1, 1.0, 0.0], [0.0, 0.0, 0.05], [-0.1, 0.5, -0.05]];
    let w = geometry::to_world(&layout, true);
    let (_, half) = geometry::bounds(&w);
    assert!(half[0] > half[1] && half[1] > half[2]);
    let det = |a: [f32; 3], b: [f32; 3], c: [f32; 3]| {
        a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])
    };
    let sub = |a: [f32; 3], b: [f32; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let before = det(
        sub(layout[1], layout[0]),
        sub(layout[2], layout[0]),
        sub(layout[3], layout[0]),
    );
    let after = det(sub(w[1], w[0]), sub(w[2], w[0]), sub(w[3], w[0]));
    assert!(before * after > 0.0, "not mirrored");
    let radius = geometry::base_radius(&w);
    assert!(radius > 0.0 && radius < geometry::SCENE_RADIUS * 0.03);
}

#[test]
fn picking_finds_the_nearest_sphere_on_the_ray() {
    let centres = vec![[0.0, 0.0, -10.0], [0.0, 0.0, -5.0], [3.0, 0.0, -5.0]];
    let radii = vec![1.0; 3];
    assert_eq!(
        geometry::pick([0.0; 3], [0.0, 0.0, -1.0], &centres, &radii, 0.0).map(|h| h.0),
        Some(1)
    );
    assert_eq!(geometry::pick([0.0; 3], [0.0, 0.0, 1.0], &centres, &radii, 0.0), None);
    let d = {
        let v = [3.0f32, 0.0, -5.0];
        let l = (v[0] * v[0] + v[2] * v[2]).sqrt();
        [v[0] / l, 0.0, v[2] / l]
    };
    assert_eq!(geometry::pick([0.0; 3], d, &centres, &radii, 0.0).map(|h| h.0), Some(2));
    // A widened pick radius catches a near miss.
    assert_eq!(
        geometry::pick([0.0; 3], [0.0, 0.2425, -0.9701], &centres[1..2], &radii[..1], 0.0),
        None
    );
    assert!(geometry::pick([0.0; 3], [0.0, 0.2425, -0.9701], &centres[1..2], &[0.1], 0.3).is_some());
}

#[test]
fn picking_is_fast_on_a_whole_brain() {
    let n = 139_000;
    let centres: Vec<[f32; 3]> = (0..n)
        .map(|i| [(i % 100) as f32, ((i / 100) % 100) as f32, (i / 10_000) as f32 - 50.0])
        .collect();
    let radii = vec![0.3; n];
    let t = std::time::Instant::now();
    for _ in 0..10 {
        std::hint::black_box(geometry::pick(
            [50.0, 50.0, 100.0],
            [0.0, 0.0, -1.0],
            &centres,
            &radii,
            0.001,
        ));
    }
    let per = t.elapsed().as_secs_f64() / 10.0;
    // Generous for a debug build on a busy machine; typically ~1 ms in release.
    assert!(per < 0.1, "{per} s per pick");
}

#[test]
fn synthetic_graphs() {
    assert!(synthetic::parse("celegans-cook2019").is_none());
    assert_eq!(synthetic::parse("synthetic:300:2000").unwrap().unwrap(), (300, 2000, 1));
    assert_eq!(
        synthetic::parse("synthetic:3_000:65_000:7").unwrap().unwrap(),
        (3000, 65000, 7)
    );
    assert!(synthetic::parse("synthetic:10").unwrap().is_err());
    assert!(synthetic::parse("synthetic:a:b").unwrap().is_err());
    let c = synthetic::generate(500, 5000, 3).unwrap();
    c.check_invariants().unwrap();
    assert_eq!(c.neurons.len(), 500);
    let e = c.chemical.len() + c.electrical.len();
    assert!((3500..=5500).contains(&e), "{e}");
    assert!(c.neurons.position.iter().all(Option::is_some));
    assert_eq!(synthetic::generate(500, 5000, 3).unwrap(), c, "deterministic");
}

#[test]
fn failed_loads_report_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "pre,post,weight\nA,B,1\nA,C,notanumber\n").unwrap();
    let e = crate::app::data::loading::read_graph(bad.to_str().unwrap())
        .err()
        .unwrap();
    assert!(e.contains("bad.csv") && e.contains('3'), "{e}");
    assert!(crate::app::data::loading::read_graph("synthetic:1:1").is_err());
}

#[test]
fn save_as_writes_layout_positions() {
    let g = worm();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("worm.graphml");
    let layout: Vec<[f32; 3]> = (0..g.len()).map(|i| [i as f32 / 1000.0, 0.5, -0.25]).collect();
    crate::app::data::loading::save_with_layout(&g, &layout, false, &out).unwrap();
    let back = io::load(out.to_str().unwrap(), &LoadOptions::default()).unwrap();
    assert_eq!(back.neurons.len(), g.len());
    let i = back.neurons.find("AVAL").unwrap();
    let j = g.c.neurons.find("AVAL").unwrap();
    let p = back.neurons.position[i].unwrap();
    assert!(
        (p[0] - j as f32 / 10.0).abs() < 1e-3 && (p[1] - 50.0).abs() < 1e-3,
        "{p:?}"
    );
}

#[test]
fn scale_bars_are_round_and_match_the_anatomy() {
    // A worm 720 µm long: its farthest neuron 360 µm from the middle maps to the scene radius.
    let raw = vec![
        Some([-360.0, 0.0, 0.0]),
        Some([360.0, 0.0, 0.0]),
        Some([0.0, 10.0, 0.0]),
    ];
    let w = geometry::world_per_data_unit(&raw).unwrap();
    assert!((w * 360.0 - geometry::SCENE_RADIUS).abs() < 0.5);
    assert!(geometry::world_per_data_unit(&[Some([0.0; 3]), None]).is_none());
    // 1.3 pixels per µm, about 150 pixels wanted: 100 µm (130 px).
    assert_eq!(geometry::scale_bar(1.3, 150.0), Some((100.0, 130.0)));
    let (len, px) = geometry::scale_bar(0.013, 150.0).unwrap();
    assert_eq!(len, 10_000.0);
    assert!(px <= 150.0 && px > 60.0);
    assert!(geometry::scale_bar(0.0, 150.0).is_none());
}

/// The app's folders are layers: a folder uses only itself and the folders below it (the order
/// of the list in `app/mod.rs`), so each can be read without the ones above.
#[test]
fn folders_only_use_lower_folders() {
    const LAYERS: [&str; 8] = [
        "context",
        "scene",
        "data",
        "live",
        "recordings",
        "communities",
        "capture",
        "ui",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut checked = 0;
    for (rank, folder) in LAYERS.iter().enumerate() {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (line_no, line) in text.lines().enumerate() {
                for (k, _) in line.match_indices("crate::app::") {
                    let used = line[k + "crate::app::".len()..]
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap();
                    let used_rank = LAYERS.iter().position(|l| *l == used);
                    assert!(
                        used_rank.is_some_and(|r| r <= rank),
                        "{}:{}: `{folder}` uses `crate::app::{used}` (allowed: {:?})",
                        path.display(),
                        line_no + 1,
                        &LAYERS[..=rank]
                    );
                }
                // `super::super::` would reach the app root from a folder's file.
                assert!(!line.contains("super::super"), "{}:{}", path.display(), line_no + 1);
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} files found");
}

#[test]
fn session_files_are_recognised_and_bad_ones_refused_clearly() {
    use super::context::session::{self, Session, SessionError};
    assert!(session::is_session("a/b/Worm.CSCOPE.JSON"));
    assert!(!session::is_session("protocol.json"));
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let not_json = write("a.cscope.json", "{\n\"format\": \n");
    assert!(matches!(
        Session::read(&not_json),
        Err(SessionError::Invalid { line: 3, .. })
    ));
    let other = write("b.cscope.json", r#"{"items": []}"#);
    let e = Session::read(&other).unwrap_err().to_string();
    assert!(
        e.contains("b.cscope.json") && e.contains("not a connectoscope session"),
        "{e}"
    );
    let future = write("c.cscope.json", r#"{"format": "connectoscope-session", "version": 99}"#);
    assert!(matches!(
        Session::read(&future),
        Err(SessionError::Version { found: 99, .. })
    ));
    let missing = dir.path().join("gone.cscope.json");
    assert!(matches!(Session::read(&missing), Err(SessionError::Io { .. })));
    // The source hash follows the bytes.
    let f = write("g.csv", "pre,post\nA,B\n");
    let h = session::source_hash(&f).unwrap();
    assert_eq!(h.len(), 16);
    assert_eq!(session::source_hash(&f).unwrap(), h);
    std::fs::write(&f, "pre,post\nA,C\n").unwrap();
    assert_ne!(session::source_hash(&f).unwrap(), h);
}

#[test]
fn the_home_view_fills_the_view_with_a_long_thin_graph() {
    use crate::app::scene::camera::home_view;
    // A worm: 722 by 100 by 60, laid along x by `to_world`.
    let worm: Vec<[f32; 3]> = (0..400)
        .map(|k| {
            let t = k as f32 / 399.0;
            let a = k as f32 * 2.4;
            [(t - 0.5) * 200.0, a.sin() * 14.0, a.cos() * 8.0]
        })
        .collect();
    let aspect = 16.0 / 9.0;
    let home = home_view(&worm, aspect);
    // Project every point: all inside, and the picture spans most of the view both ways.
    let r = home.rotation();
    let axes = [bevy::math::Vec3::X, bevy::math::Vec3::Y, bevy::math::Vec3::Z].map(|a| r * a);
    let eye = home.focus + axes[2] * home.distance;
    let t = (super::scene::camera::FOV_Y / 2.0).tan();
    let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for p in &worm {
        let v = bevy::math::Vec3::from_array(*p) - eye;
        let depth = -v.dot(axes[2]);
        assert!(depth > 0.0);
        let s = [v.dot(axes[0]) / depth / (t * aspect), v.dot(axes[1]) / depth / t];
        for a in 0..2 {
            lo[a] = lo[a].min(s[a]);
            hi[a] = hi[a].max(s[a]);
        }
    }
    assert!(
        lo[0] >= -1.0 && hi[0] <= 1.0 && lo[1] >= -1.0 && hi[1] <= 1.0,
        "{lo:?} {hi:?}"
    );
    let (width, height) = (hi[0] - lo[0], hi[1] - lo[1]);
    assert!(
        width.max(height) > 1.7,
        "fills the binding direction: {width} x {height}"
    );
    assert!(height > 0.5, "more than a sliver of the height: {height}");
}
