//! The app's plugins run headless (no window, no GPU; as bevy tests its own plugins: an `App`,
//! the plugins, then `update()`): the order of systems has no ambiguity between our systems,
//! opening a file shows its graph, a bad file leaves the graph open, a click on a neuron in
//! stimulate mode (a synthetic pointer) puts a pulse on that neuron, a dropped recording plays
//! on its neurons, and a saved session opens as it was.

use std::time::{Duration, Instant};

use bevy::ecs::schedule::ScheduleLabel;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use bevy::window::{FileDragAndDrop, PrimaryWindow, RequestRedraw, WindowResolution};

use super::context::state::{Graph, Options, PointerMode, Positions, Request, Status, UiFocus};
use super::data::loading::Loader;
use super::live::Live;
use super::recordings::Recordings;
use super::scene::camera::Orbit;
use crate::io::datasets;
use crate::sim::protocol::Action;

const SIZE: (u32, u32) = (1280, 720);

/// The plugins that open, lay out, pick and simulate, over a virtual window.
fn headless_app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin))
        .init_resource::<ButtonInput<MouseButton>>()
        .init_resource::<ButtonInput<KeyCode>>()
        .init_resource::<AccumulatedMouseMotion>()
        .init_resource::<AccumulatedMouseScroll>()
        .add_message::<FileDragAndDrop>()
        .add_message::<RequestRedraw>()
        .add_plugins((
            super::context::ContextPlugin {
                options: Options {
                    input: Some(datasets::DEFAULT.into()),
                    size: SIZE,
                    ..Default::default()
                },
            },
            super::data::DataPlugin,
            super::scene::camera::CameraPlugin,
            super::scene::picking::PickingPlugin,
            super::live::LivePlugin,
            super::recordings::RecordingsPlugin,
            super::communities::CommunitiesPlugin,
            super::ui::session::SessionPlugin,
        ));
    app.world_mut().spawn((
        Window {
            resolution: WindowResolution::new(SIZE.0, SIZE.1),
            ..default()
        },
        PrimaryWindow,
    ));
    app.world_mut().resource_mut::<UiFocus>().viewport = [0.0, 0.0, SIZE.0 as f32, SIZE.1 as f32];
    // Tests leave the user's recent-files list alone.
    app.world_mut()
        .resource_mut::<super::ui::session::Sessions>()
        .persist_recent = false;
    app
}

/// Updates until `done` (up to 30 s of wall time: loading and layouts run on threads).
fn update_until(app: &mut App, what: &str, done: impl Fn(&World) -> bool) {
    let start = Instant::now();
    while !done(app.world()) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn laid_out(w: &World) -> bool {
    let p = w.resource::<Positions>();
    w.resource::<Graph>().data.is_some() && p.layout_kind.is_some() && !p.animating()
}

fn source(app: &App) -> String {
    app.world().resource::<Graph>().data.as_ref().unwrap().source.clone()
}

#[test]
fn our_systems_have_one_order() {
    let mut app = headless_app();
    app.finish();
    app.cleanup();
    let mut conflicts = Vec::new();
    for label in [Update.intern(), PostUpdate.intern()] {
        let world = app.world_mut();
        world.schedule_scope(label, |world, schedule| {
            schedule.initialize(world).unwrap();
            let graph = schedule.graph();
            let components = world.components();
            for (a, b, on) in graph.conflicting_systems().to_string(graph, components) {
                if a.contains("connectoscope") && b.contains("connectoscope") {
                    conflicts.push(format!("{a} / {b} on {on:?}"));
                }
            }
        });
    }
    assert!(
        conflicts.is_empty(),
        "systems in no defined order:\n{}",
        conflicts.join("\n")
    );
}

#[test]
fn opening_a_file_shows_its_graph_and_a_bad_file_keeps_it() {
    let mut app = headless_app();
    update_until(&mut app, "the worm", laid_out);
    assert_eq!(source(&app), datasets::DEFAULT);
    let neurons = app.world().resource::<Graph>().data.as_ref().unwrap().len();
    assert_eq!(neurons, 302);

    // A real file: a small edge list.
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("three.csv");
    std::fs::write(&good, "pre,post,weight\nA,B,2\nB,C,1\n").unwrap();
    let generation = app.world().resource::<Graph>().generation;
    app.world_mut()
        .write_message(Request::Open(good.to_string_lossy().into()));
    update_until(&mut app, "three.csv", |w| {
        w.resource::<Graph>().generation > generation && laid_out(w)
    });
    assert_eq!(app.world().resource::<Graph>().data.as_ref().unwrap().len(), 3);

    // A bad one: an error naming the file and line; the graph stays.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "pre,post,weight\nA,B,2\nB,C,heavy\n").unwrap();
    let generation = app.world().resource::<Graph>().generation;
    app.world_mut()
        .write_message(Request::Open(bad.to_string_lossy().into()));
    update_until(&mut app, "the error", |w| w.resource::<Loader>().failed.is_some());
    let error = app.world().resource::<Status>().error.clone().unwrap_or_default();
    assert!(error.contains("bad.csv") && error.contains('3'), "error: {error}");
    assert_eq!(app.world().resource::<Graph>().generation, generation);
    assert_eq!(source(&app), good.to_string_lossy());
}

#[test]
fn a_click_in_stimulate_mode_puts_a_pulse_on_the_neuron_under_the_pointer() {
    let mut app = headless_app();
    update_until(&mut app, "the worm", laid_out);
    update_until(&mut app, "the simulation", |w| {
        w.resource::<Live>()
            .sim
            .as_ref()
            .is_some_and(|s| !s.snapshot().building)
    });
    // Look straight at AVAL from close by; the pointer is at the view's centre.
    let (aval, at) = {
        let w = app.world();
        let g = w.resource::<Graph>().data.clone().unwrap();
        let i = g.c.neurons.find("AVAL").unwrap();
        (i, w.resource::<Positions>().current[i])
    };
    {
        let mut orbit = app.world_mut().resource_mut::<Orbit>();
        orbit.target_focus = Vec3::from_array(at);
        orbit.focus = orbit.target_focus;
        orbit.target_distance = 25.0;
        orbit.distance = 25.0;
        orbit.yaw = 0.0;
        orbit.pitch = 0.0;
    }
    // The sphere sizes, as the neuron drawing (which needs a GPU) sets them.
    {
        let w = app.world_mut();
        let g = w.resource::<Graph>().data.clone().unwrap();
        let (settings, hook) = (
            w.resource::<super::context::state::ViewSettings>().clone(),
            w.resource::<super::context::state::NeuronColorHook>().clone(),
        );
        super::scene::neurons::set_radii(&mut w.resource_mut::<Positions>(), &g, &settings, &hook);
    }
    let centre = Vec2::new(SIZE.0 as f32 / 2.0, SIZE.1 as f32 / 2.0);
    let mut windows = app.world_mut().query_filtered::<&mut Window, With<PrimaryWindow>>();
    windows
        .single_mut(app.world_mut())
        .unwrap()
        .set_cursor_position(Some(centre));
    *app.world_mut().resource_mut::<PointerMode>() = PointerMode::Stimulate;
    app.update();
    app.update();
    // AVAL, or a neuron in front of it: the head is crowded.
    let hovered = app.world().resource::<super::context::state::Selection>().hovered;
    let Some(hit) = hovered else {
        panic!("nothing under the pointer")
    };
    let (name, distance) = {
        let w = app.world();
        let g = w.resource::<Graph>().data.clone().unwrap();
        let p = w.resource::<Positions>();
        let d = Vec3::from_array(p.current[hit]).distance(Vec3::from_array(p.current[aval]));
        (g.c.neurons.name(hit).to_string(), d)
    };
    assert!(hit == aval || distance < 25.0, "{name} is not on the way to AVAL");

    app.world_mut()
        .resource_mut::<ButtonInput<MouseButton>>()
        .press(MouseButton::Left);
    app.update();
    let mut buttons = app.world_mut().resource_mut::<ButtonInput<MouseButton>>();
    buttons.clear();
    buttons.release(MouseButton::Left);
    app.update();
    let items = app.world().resource::<Live>().document().items;
    assert_eq!(items.len(), 1, "one pulse: {items:?}");
    assert_eq!(items[0].target, name);
    assert!(matches!(items[0].action, Action::Dc { .. }));
    assert!(items[0].stop_ms.is_some(), "a click is a pulse, not a held current");
    // In select mode the same click selects instead.
    assert!(
        app.world()
            .resource::<super::context::state::Selection>()
            .selected
            .is_empty()
    );
}

#[test]
fn a_session_reopens_as_it_was_saved() {
    use super::context::colors::ColorBy;
    use super::context::session::Session;
    use super::context::state::{LabelMode, Selection, ViewSettings};
    use crate::analysis::layout::LayoutKind;

    let dir = tempfile::tempdir().unwrap();
    // The source is a file of our own, so that it can change and vanish.
    let source = dir.path().join("worm.graphml");
    crate::io::save(
        &crate::io::load(datasets::DEFAULT, &Default::default()).unwrap(),
        &source,
    )
    .unwrap();
    let mut app = headless_app();
    update_until(&mut app, "the worm", laid_out);
    app.world_mut()
        .write_message(Request::Open(source.to_string_lossy().into()));
    update_until(&mut app, "the copy", |w| {
        laid_out(w)
            && w.resource::<Graph>()
                .data
                .as_ref()
                .unwrap()
                .source
                .ends_with("worm.graphml")
    });
    // Change what a user changes: a recording and its time, layout, camera, colours,
    // filters, selection, the run.
    let recording = fixture("recordings/wormwideweb.json");
    app.world_mut()
        .write_message(Request::OpenRecordings(vec![recording.clone()]));
    update_until(&mut app, "the recording", |w| {
        !w.resource::<Recordings>().animals.is_empty()
    });
    app.world_mut().resource_mut::<Recordings>().seek(6.5);
    app.world_mut().write_message(Request::Layout(LayoutKind::Spectral));
    update_until(&mut app, "the spectral layout", |w| {
        laid_out(w) && w.resource::<Positions>().layout_kind == Some(LayoutKind::Spectral)
    });
    {
        let w = app.world_mut();
        let mut s = w.resource_mut::<ViewSettings>();
        s.color_by = ColorBy::Neurotransmitter;
        s.node_scale = 1.7;
        s.labels = LabelMode::None;
        s.edges.min_weight = 3.0;
        let mut o = w.resource_mut::<Orbit>();
        o.target_focus = Vec3::new(1.0, 2.0, 3.0);
        o.target_distance = 140.0;
        o.yaw = 0.4;
        o.pitch = -0.2;
    }
    let g = app.world().resource::<Graph>().data.clone().unwrap();
    let picked = vec![g.c.neurons.find("AVAL").unwrap(), g.c.neurons.find("RIML").unwrap()];
    app.world_mut().write_message(Request::Select(picked.clone()));
    let protocol = crate::sim::Protocol::from_json(
        r#"{"items": [{"kind": "dc", "target": "AVBL", "amplitude": 500, "start_ms": 0, "stop_ms": 20}]}"#,
    )
    .unwrap();
    app.world()
        .resource::<Live>()
        .edit(|p| p.items = protocol.items.clone());
    app.world()
        .resource::<Live>()
        .sim
        .as_ref()
        .unwrap()
        .control(|c| c.step_requests += 300);
    update_until(&mut app, "30 ms of the run", |w| {
        w.resource::<Live>().sim.as_ref().unwrap().snapshot().time_ms >= 30.0 - 1e-9
    });
    app.update();
    let saved_at = app.world().resource::<Live>().snapshot.time_ms;
    let file = dir.path().join("s.cscope.json");
    app.world_mut().write_message(Request::SaveSession(file.clone()));
    update_until(&mut app, "the save", |_| file.exists());
    let saved = Session::read(&file).unwrap();
    assert!(saved.source.hash.is_some(), "a file source is hashed");
    assert_eq!(saved.selection, ["AVAL", "RIML"]);
    assert_eq!(saved.view.color_by, "nt");
    assert_eq!(saved.recordings, [recording.canonicalize().unwrap().to_string_lossy()]);
    assert_eq!(saved.recording_time_s, Some(6.5));

    // A fresh app opens it: everything is back.
    let mut again = headless_app();
    update_until(&mut again, "the worm", laid_out);
    again
        .world_mut()
        .write_message(Request::Open(file.to_string_lossy().into()));
    update_until(&mut again, "the session", |w| {
        w.resource::<Graph>()
            .data
            .as_ref()
            .is_some_and(|g| g.source.ends_with("worm.graphml"))
            && w.resource::<Positions>().layout_kind == Some(LayoutKind::Spectral)
            && laid_out(w)
            && w.resource::<Live>()
                .sim
                .as_ref()
                .is_some_and(|s| s.snapshot().time_ms >= saved_at - 1e-9)
            && !w.resource::<Recordings>().animals.is_empty()
    });
    again.update();
    let w = again.world();
    let before = app.world();
    assert_eq!(w.resource::<Positions>().layout, before.resource::<Positions>().layout);
    assert_eq!(w.resource::<Selection>().selected, picked);
    let (s, o) = (w.resource::<ViewSettings>(), w.resource::<Orbit>());
    assert_eq!(s.color_by, ColorBy::Neurotransmitter);
    assert_eq!(
        (s.node_scale, s.labels, s.edges.min_weight),
        (1.7, LabelMode::None, 3.0)
    );
    assert_eq!(
        (o.target_focus, o.target_distance, o.yaw, o.pitch),
        (Vec3::new(1.0, 2.0, 3.0), 140.0, 0.4, -0.2)
    );
    assert_eq!(w.resource::<Live>().document().items, protocol.items);
    let rec = w.resource::<Recordings>();
    assert_eq!((rec.animals.len(), rec.time_s), (1, 6.5));
    assert_eq!(
        rec.showing,
        super::recordings::Showing::Nothing,
        "the session showed neurotransmitters"
    );
    assert_eq!(w.resource::<Live>().sim.as_ref().unwrap().snapshot().time_ms, saved_at);
    assert!(
        w.resource::<Status>().error.is_none(),
        "{:?}",
        w.resource::<Status>().error
    );

    // The source changes: it opens, with a warning.
    std::fs::write(
        &source,
        std::fs::read_to_string(&source)
            .unwrap()
            .replace("AVAL", "AVAL_renamed"),
    )
    .unwrap();
    again
        .world_mut()
        .write_message(Request::Open(file.to_string_lossy().into()));
    let generation = again.world().resource::<Graph>().generation;
    update_until(&mut again, "the changed session", |w| {
        w.resource::<Graph>().generation > generation
    });
    for _ in 0..3 {
        again.update();
    }
    let error = again.world().resource::<Status>().error.clone().unwrap_or_default();
    assert!(error.contains("changed"), "{error}");
    assert!(error.contains("1 selected neurons are not in the graph"), "{error}");

    // The source vanishes: refused, the graph open stays.
    std::fs::remove_file(&source).unwrap();
    let generation = again.world().resource::<Graph>().generation;
    again
        .world_mut()
        .write_message(Request::Open(file.to_string_lossy().into()));
    for _ in 0..5 {
        again.update();
    }
    let error = again.world().resource::<Status>().error.clone().unwrap_or_default();
    assert!(error.contains("missing"), "{error}");
    assert_eq!(again.world().resource::<Graph>().generation, generation);
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn a_dropped_recording_plays_on_its_neurons_and_a_bad_one_keeps_it() {
    use super::context::colors::{ColorBy, ramp};
    use super::context::state::{NeuronColorHook, ViewSettings};
    use super::recordings::colors::{UNRECORDED, UNRECORDED_SCALE};

    let mut app = headless_app();
    update_until(&mut app, "the worm", laid_out);
    let generation = app.world().resource::<Graph>().generation;
    let window = app
        .world_mut()
        .query_filtered::<Entity, With<PrimaryWindow>>()
        .single(app.world())
        .unwrap();
    let json = fixture("recordings/wormwideweb.json");
    app.world_mut().write_message(FileDragAndDrop::DroppedFile {
        window,
        path_buf: json.clone(),
    });
    update_until(&mut app, "the recording", |w| {
        !w.resource::<Recordings>().animals.is_empty()
    });
    app.update();
    // The recording joins the graph; it does not replace it.
    assert_eq!(app.world().resource::<Graph>().generation, generation);
    let g = app.world().resource::<Graph>().data.clone().unwrap();
    let find = |name: &str| g.c.neurons.find(name).unwrap();
    let (aval, avar, adal) = (find("AVAL"), find("AVAR"), find("ADAL"));
    let w = app.world();
    let rec = w.resource::<Recordings>();
    let a = &rec.animals[0];
    assert_eq!(a.recording.rois.len(), 6);
    // ROI 1 is AVAL; ROI 4 is labelled only `AVA`: it may be AVAR, so AVAR shows it.
    assert_eq!(
        (a.roi_of[aval], a.roi_of[avar], a.roi_of[adal]),
        (Some(0), Some(3), None)
    );
    assert_eq!(rec.time_s, a.recording.time.start_s());
    // The neurons show the recording at its start: AVAL on the colour map, ADAL grey and small.
    let hook = &w.resource::<NeuronColorHook>().0;
    assert_eq!(w.resource::<ViewSettings>().color_by, ColorBy::Custom);
    let value = a.recording.trace(0)[0];
    assert_eq!(hook.colors[aval], ramp((value - a.range.0) / (a.range.1 - a.range.0)));
    assert_eq!((hook.colors[adal], hook.scale[adal]), (UNRECORDED, UNRECORDED_SCALE));
    assert!(hook.legend.title.contains("t = 0.0 s"), "{}", hook.legend.title);

    // Seeking recolours; playing moves the time on, at the chosen speed.
    let later = 30.0 * 0.6;
    app.world_mut().resource_mut::<Recordings>().seek(later);
    app.update();
    let w = app.world();
    let a = &w.resource::<Recordings>().animals[0];
    let value = a.values_at(later)[aval].unwrap();
    let expected = if value.is_nan() {
        super::recordings::colors::NO_VALUE
    } else {
        ramp((value - a.range.0) / (a.range.1 - a.range.0))
    };
    assert_eq!(w.resource::<NeuronColorHook>().0.colors[aval], expected);
    {
        let mut rec = app.world_mut().resource_mut::<Recordings>();
        rec.seek(0.0);
        rec.speed = 20.0;
        rec.looping = false;
        rec.playing = true;
    }
    let start = Instant::now();
    update_until(&mut app, "the end of the recording", |w| {
        !w.resource::<Recordings>().playing
    });
    let end = app.world().resource::<Recordings>().span().1;
    assert_eq!(app.world().resource::<Recordings>().time_s, end);
    // 23.4 s of recording at 20 s/s: over a second of wall time.
    assert!(
        start.elapsed().as_secs_f64() > 0.9 * end / 20.0,
        "{:?}",
        start.elapsed()
    );

    // A bad file: its error names it; the open recording stays.
    app.world_mut()
        .write_message(Request::OpenRecordings(vec![fixture("recordings/no_traces.nwb")]));
    update_until(&mut app, "the error", |w| w.resource::<Recordings>().failed.is_some());
    let error = app.world().resource::<Status>().error.clone().unwrap_or_default();
    assert!(error.contains("no_traces.nwb"), "{error}");
    assert_eq!(app.world().resource::<Recordings>().animals.len(), 1);

    // Its dynamic communities in one click: the fixture matches one ROI to a single neuron
    // only, so the reason is shown.
    app.world_mut().write_message(Request::RecordedCommunities);
    update_until(&mut app, "the dynamic connectome's answer", |w| {
        w.resource::<Status>()
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("dynamic connectome"))
    });
    let error = app.world().resource::<Status>().error.clone().unwrap_or_default();
    assert!(error.contains("only 1 recorded neurons are matched"), "{error}");

    // A second animal joins; another graph matches them again.
    app.world_mut()
        .write_message(Request::OpenRecordings(vec![json.clone()]));
    update_until(&mut app, "a second animal", |w| {
        w.resource::<Recordings>().animals.len() == 2
    });
    app.world_mut()
        .write_message(Request::Open("celegans-varshney2011".into()));
    update_until(&mut app, "another worm", |w| {
        laid_out(w) && w.resource::<Graph>().generation > generation
    });
    app.update();
    let w = app.world();
    let g = w.resource::<Graph>().data.clone().unwrap();
    let rec = w.resource::<Recordings>();
    assert_eq!(rec.animals.len(), 2);
    let aval = g.c.neurons.find("AVAL").unwrap();
    assert_eq!(rec.animals[1].roi_of.len(), g.len());
    assert_eq!(rec.animals[1].roi_of[aval], Some(0));

    // Closing them takes their colours off the neurons.
    app.update();
    assert_eq!(app.world().resource::<ViewSettings>().color_by, ColorBy::Custom);
    app.world_mut().write_message(Request::CloseRecordings);
    app.update();
    app.update();
    assert!(app.world().resource::<Recordings>().animals.is_empty());
    assert_eq!(app.world().resource::<ViewSettings>().color_by, ColorBy::CellType);
}
