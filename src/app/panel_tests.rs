//! The panels tested by clicking (egui_kittest, as rerun tests its views): each test draws one
//! panel over a bevy world that holds the resources it needs, clicks and types as a user
//! would, and checks what changed in the app's state. No window, no GPU.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::ecs::message::Messages;
use bevy::ecs::system::SystemState;
use bevy::prelude::*;
use bevy_egui::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::capture::recorder::{RecordRequest, Recorder};
use super::capture::video_ui::{Preview, RecordSettings, RecordUi, video_ui};
use super::communities::window::{CommunitiesUi, window_ui};
use super::context::graph::GraphData;
use super::context::state::{
    Dirty, Graph, Membership, NeuronColorHook, NeuronColors, PointerMode, Positions, Request, Selection, Status,
    UiFocus, ViewSettings,
};
use super::live::Live;
use super::live::panel::{LiveFiles, LiveUi, controls_ui};
use super::recordings::panel::{RecordingUi, recording_panel_ui};
use super::recordings::{Animal, Loaded, Recordings, Showing};
use super::scene::Scene;
use super::scene::camera::Orbit;
use crate::io::{self, LoadOptions, datasets};
use crate::sim::{LiveSim, Protocol};

/// A world with the bundled worm open and the resources every panel reads.
fn world_with_worm() -> World {
    let mut world = World::new();
    open_worm(&mut world);
    world
}

fn open_worm(world: &mut World) {
    let c = io::load(datasets::DEFAULT, &LoadOptions::default()).unwrap();
    world.insert_resource(Graph {
        data: Some(Arc::new(GraphData::new(datasets::DEFAULT, c))),
        generation: 1,
    });
    world.init_resource::<ViewSettings>();
    world.init_resource::<Selection>();
    world.init_resource::<Dirty>();
    world.init_resource::<NeuronColors>();
    world.init_resource::<NeuronColorHook>();
    world.init_resource::<Positions>();
    world.init_resource::<Status>();
    world.init_resource::<UiFocus>();
    world.init_resource::<Membership>();
    world.init_resource::<PointerMode>();
    world.init_resource::<Messages<Request>>();
}

fn graph(world: &World) -> Arc<GraphData> {
    world.resource::<Graph>().data.clone().unwrap()
}

/// Waits (up to 20 s) until `done` holds for the live simulation's newest snapshot.
fn wait_for(live: &Live, what: &str, done: impl Fn(&crate::sim::live::Snapshot) -> bool) {
    let sim = live.sim.as_ref().expect("a simulation");
    let start = Instant::now();
    while !done(&sim.snapshot()) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

type LiveState = (World, SystemState<(Scene<'static>, LiveUi<'static>)>);

/// The simulation panel over the worm, with a simulation running on its thread.
fn live_panel() -> Harness<'static, LiveState> {
    let mut world = world_with_worm();
    let c = graph(&world).c.clone();
    let mut live = Live::default();
    live.sim = Some(LiveSim::start(c, Protocol::default()));
    world.insert_resource(live);
    world.init_resource::<LiveFiles>();
    let state = SystemState::new(&mut world);
    let mut harness = Harness::builder().with_size(egui::vec2(360.0, 1000.0)).build_ui_state(
        |ui, (world, state): &mut LiveState| {
            // What the live plugin does every frame: take the newest snapshot.
            let snapshot = world.resource::<Live>().sim.as_ref().map(|s| s.snapshot());
            if let Some(s) = snapshot {
                world.resource_mut::<Live>().snapshot = s;
            }
            let (mut scene, mut live) = state.get_mut(world).unwrap();
            controls_ui(ui, &mut live, &mut scene);
        },
        (world, state),
    );
    wait_for(harness.state().0.resource::<Live>(), "the network", |s| {
        !s.building && !s.model.is_empty()
    });
    harness.run();
    harness
}

fn live<'h>(harness: &'h Harness<'_, LiveState>) -> &'h Live {
    harness.state().0.resource::<Live>()
}

#[test]
fn run_pause_and_step_change_the_time() {
    let mut h = live_panel();
    h.get_by_label("Step 1 ms").click();
    h.run();
    wait_for(live(&h), "one step of 1 ms", |s| s.time_ms >= 1.0 - 1e-9);
    let t = live(&h).sim.as_ref().unwrap().snapshot().time_ms;
    assert!((t - 1.0).abs() < 1e-9, "Step 1 ms went to {t} ms");

    h.get_by_label("▶ Run").click();
    h.run();
    wait_for(live(&h), "the run", |s| s.time_ms > 5.0);
    h.run();
    h.get_by_label("⏸ Pause").click();
    h.run();
    wait_for(live(&h), "the pause", |s| !s.running);
    let paused = live(&h).sim.as_ref().unwrap().snapshot().time_ms;
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        live(&h).sim.as_ref().unwrap().snapshot().time_ms,
        paused,
        "time moves while paused"
    );
    h.run();
    assert!(h.query_by_label("▶ Run").is_some(), "Run is offered again");
}

#[test]
fn a_typed_target_and_pulse_add_a_timeline_item_with_undo_and_redo() {
    let mut h = live_panel();
    let items = |h: &Harness<'_, LiveState>| live(h).document().items;
    assert!(items(&h).is_empty());
    let target = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Target");
    target.focus();
    target.type_text("AVAL");
    h.run();
    h.get_by_label("Pulse").click();
    h.run();
    let added = items(&h);
    assert_eq!(added.len(), 1, "one pulse");
    assert_eq!(added[0].target, "AVAL");
    assert!(added[0].stop_ms.is_some(), "a pulse ends");
    h.get_by_label("Undo").click();
    h.run();
    assert!(items(&h).is_empty(), "undone");
    h.get_by_label("Redo").click();
    h.run();
    assert_eq!(items(&h), added, "redone");
}

#[test]
fn search_ava_and_enter_selects_aval_and_avar() {
    type State = (
        World,
        SystemState<(
            Scene<'static>,
            ResMut<'static, super::ui::UiState>,
            MessageWriter<'static, Request>,
        )>,
    );
    let mut world = world_with_worm();
    world.init_resource::<super::ui::UiState>();
    let state = SystemState::new(&mut world);
    let mut h = Harness::new_ui_state(
        |ui, (world, state): &mut State| {
            let (mut scene, mut ui_state, mut requests) = state.get_mut(world).unwrap();
            super::ui::side_panel::search_ui(ui, &mut scene, &mut ui_state, &mut requests);
        },
        (world, state),
    );
    h.run();
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    field.focus();
    field.type_text("AVA");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    let g = graph(&h.state().0);
    let selected: Vec<Vec<String>> = h
        .state_mut()
        .0
        .resource_mut::<Messages<Request>>()
        .drain()
        .filter_map(|r| match r {
            Request::Select(v) => Some(v.iter().map(|&i| g.c.neurons.name(i).to_string()).collect()),
            _ => None,
        })
        .collect();
    assert_eq!(selected, [["AVAL", "AVAR"]]);
}

#[test]
fn find_communities_fills_the_table() {
    type State = (
        App,
        SystemState<(
            Scene<'static>,
            CommunitiesUi<'static>,
            Res<'static, Live>,
            ResMut<'static, Recordings>,
            ResMut<'static, Status>,
            MessageWriter<'static, Request>,
        )>,
    );
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_message::<Request>()
        .init_resource::<Live>()
        .init_resource::<Recordings>()
        .init_resource::<super::context::state::Options>()
        .add_plugins(super::communities::CommunitiesPlugin);
    open_worm(app.world_mut());
    let state = SystemState::new(app.world_mut());
    let mut h = Harness::builder().with_size(egui::vec2(600.0, 900.0)).build_ui_state(
        |ui, (app, state): &mut State| {
            let (mut scene, mut communities, live, mut rec, mut requests_status) = {
                let (scene, communities, live, rec, status, requests) = state.get_mut(app.world_mut()).unwrap();
                (scene, communities, live, rec, (status, requests))
            };
            let (status, requests) = &mut requests_status;
            communities.state.open = true;
            let view = ui.max_rect();
            window_ui(
                ui.ctx(),
                &mut communities,
                &mut scene,
                (&live, &mut rec),
                view,
                status,
                requests,
            );
        },
        (app, state),
    );
    // The app has been running before the user clicks.
    h.state_mut().0.update();
    h.run();
    assert!(h.query_by_label("■ 1").is_none(), "no table before Find");
    h.get_by_label("Find communities").click();
    h.run();
    let start = Instant::now();
    while h
        .state()
        .0
        .world()
        .resource::<super::communities::Communities>()
        .structural
        .is_none()
    {
        assert!(start.elapsed() < Duration::from_secs(60), "no communities after 60 s");
        h.state_mut().0.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run();
    let k = h
        .state()
        .0
        .world()
        .resource::<super::communities::Communities>()
        .structural
        .as_ref()
        .unwrap()
        .summary
        .len();
    assert!(k >= 3, "{k} communities in the worm");
    for c in 1..=k {
        assert!(h.query_by_label(&format!("■ {c}")).is_some(), "row {c} of {k}");
    }
}

type VideoState = (World, SystemState<RecordUi<'static, 'static>>);

/// The Video section, opened, with these settings; `playing`: a recording shown (time, speed).
fn video_section(settings: RecordSettings, playing: Option<(f64, f64)>) -> Harness<'static, VideoState> {
    let mut world = World::new();
    world.init_resource::<Orbit>();
    world.init_resource::<Recorder>();
    world.insert_resource(settings);
    world.init_resource::<Preview>();
    world.init_resource::<Messages<RecordRequest>>();
    let state = SystemState::new(&mut world);
    let mut h = Harness::builder().with_size(egui::vec2(400.0, 600.0)).build_ui_state(
        move |ui, (world, state): &mut VideoState| {
            let mut r = state.get_mut(world).unwrap();
            video_ui(ui, &mut r, (1280, 720), playing);
        },
        (world, state),
    );
    h.run();
    h.get_by_label("Video").click();
    h.run();
    h
}

#[test]
fn the_video_section_refuses_an_odd_size() {
    let mut h = video_section(
        RecordSettings {
            path: "out.mp4".into(),
            size: (1281, 720),
            ..Default::default()
        },
        None,
    );
    h.get_by_label("⏺ Record").click();
    h.run();
    assert!(
        h.query_by_label_contains("needs an even width and height").is_some(),
        "an error is shown"
    );
    let world = &mut h.state_mut().0;
    assert!(
        world.resource_mut::<Messages<RecordRequest>>().drain().next().is_none(),
        "nothing recorded"
    );
    // An even size records.
    world.resource_mut::<RecordSettings>().size = (1280, 720);
    h.get_by_label("⏺ Record").click();
    h.run();
    assert_eq!(
        h.state_mut()
            .0
            .resource_mut::<Messages<RecordRequest>>()
            .drain()
            .count(),
        1
    );
}

#[test]
fn the_recording_panel_plays_seeks_and_links_the_heatmap_to_the_selection() {
    type State = (
        World,
        SystemState<(
            Scene<'static>,
            RecordingUi<'static>,
            Res<'static, Live>,
            MessageWriter<'static, Request>,
        )>,
    );
    let mut world = world_with_worm();
    world.init_resource::<Live>();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recordings/wormwideweb.json");
    let loaded = Loaded::new(io::read_recording(&path).unwrap());
    let recording = loaded.recording.clone();
    let mut rec = Recordings::default();
    rec.animals.push(Animal::new(&loaded, &graph(&world)));
    rec.show(Showing::Activity);
    world.insert_resource(rec);
    world.init_resource::<super::recordings::panel::HeatmapTexture>();
    let state = SystemState::new(&mut world);
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 320.0)).build_ui_state(
        |ui, (world, state): &mut State| {
            let (mut scene, mut r, live, mut requests) = state.get_mut(world).unwrap();
            recording_panel_ui(ui, &mut r, &mut scene, &live, &mut requests);
        },
        (world, state),
    );
    h.run();
    let rec = |h: &Harness<'_, State>| -> (bool, f64) {
        let r = h.state().0.resource::<Recordings>();
        (r.playing, r.time_s)
    };
    // AVAL exactly, `RMDV?` and `AVA` at class level; FOO is not in the worm.
    h.get_by_label("3/6 ROIs matched");

    h.get_by_label("▶ Play").click();
    h.run();
    assert!(rec(&h).0, "playing");
    h.get_by_label("⏸ Pause").click();
    h.run();
    assert!(!rec(&h).0, "paused");

    // A click in the middle of the scrubber goes to the middle of the recording.
    h.get_by_label("recording time").click();
    h.run();
    let (start, end) = (
        recording.time.start_s(),
        recording.time.start_s() + recording.time.duration_s(),
    );
    let t = rec(&h).1;
    assert!((t - (start + end) / 2.0).abs() < 0.05 * (end - start), "t = {t}");

    // A click on the heatmap goes to that time (and selects the row's neuron, if it is one).
    // Rows: AVAL (the one ROI matched to a single neuron) first, then by label: AVA, FOO,
    // RMDV?, ROI 3, ROI 6.
    let world = &mut h.state_mut().0;
    world.resource_mut::<Recordings>().seek(start);
    world.resource_mut::<Messages<Request>>().drain().count();
    h.run();
    h.get_by_label("heatmap").click();
    h.run();
    let t = rec(&h).1;
    assert!((t - (start + end) / 2.0).abs() < 0.05 * (end - start), "t = {t}");
    let selected: Vec<Request> = h.state_mut().0.resource_mut::<Messages<Request>>().drain().collect();
    // The middle of six rows is the fourth, `RMDV?`: one of two neurons, so none is selected.
    assert!(
        selected.iter().all(|r| !matches!(r, Request::Select(_))),
        "{selected:?}"
    );

    // One click for the recording's dynamic communities.
    h.get_by_label("Dynamic communities").click();
    h.run();
    let asked: Vec<Request> = h.state_mut().0.resource_mut::<Messages<Request>>().drain().collect();
    assert!(
        asked.iter().any(|r| matches!(r, Request::RecordedCommunities)),
        "{asked:?}"
    );
}

/// While a recording is shown, a video plays it from the playback time at the panel's speed.
#[test]
fn a_video_plays_the_recording_shown() {
    use super::capture::recorder::Replay;
    let mut h = video_section(
        RecordSettings {
            path: "out.mp4".into(),
            size: (640, 360),
            fps: 25.0,
            ..Default::default()
        },
        Some((12.0, 5.0)),
    );
    assert!(h.query_by_label_contains("plays the recording").is_some());
    h.get_by_label("⏺ Record").click();
    h.run();
    let requests: Vec<RecordRequest> = h
        .state_mut()
        .0
        .resource_mut::<Messages<RecordRequest>>()
        .drain()
        .collect();
    let replay = requests[0].video.as_ref().unwrap().replay;
    assert_eq!(
        replay,
        Some(Replay {
            from_s: 12.0,
            s_per_frame: 0.2
        })
    );
}
