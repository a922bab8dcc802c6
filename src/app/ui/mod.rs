//! The window's shell: menu bar, side panel (file, search, inspector, layout, colours,
//! connections, screenshot, video), status bar, the simulation panel and plots, the
//! Communities window, and the overlay over the 3D view. The rest of the window is the 3D view.
//! Also when to redraw ([`redraw`]).

pub(crate) mod overlay;
pub(crate) mod redraw;
pub(crate) mod session;
pub(crate) mod side_panel;

use bevy::camera::visibility::RenderLayers;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, PrimaryEguiContext, egui};

use crate::app::capture::screenshot::{CaptureRequest, CaptureSettings};
use crate::app::capture::video_ui::{self, RecordUi};
use crate::app::communities::window::{self, CommunitiesUi};
use crate::app::context::state::{Request, Status, Theme, UiFocus};
use crate::app::data::layout::LayoutJob;
use crate::app::data::loading::Loader;
use crate::app::live::panel::{self, LiveUi};
use crate::app::live::plots;
use crate::app::recordings;
use crate::app::recordings::panel::{RecordingUi, recording_panel_ui};
use crate::app::scene::Scene;
use crate::io::datasets;

pub struct PanelsPlugin;

impl Plugin for PanelsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<UiState>()
            .add_plugins(session::SessionPlugin)
            .add_systems(Startup, setup_egui)
            .add_systems(EguiPrimaryContextPass, (ui, overlay::overlay).chain());
    }
}

/// Text fields and other UI-only state.
#[derive(Resource, Default)]
pub struct UiState {
    pub open_path: String,
    pub save_path: String,
    pub search: String,
    applied_theme: Option<Theme>,
}

fn setup_egui(mut commands: Commands) {
    // egui draws with its own camera on top of the 3D view.
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            clear_color: ClearColorConfig::None,
            ..default()
        },
    ));
}

/// Background work the status bar reports, and the screenshot settings.
#[derive(SystemParam)]
pub struct Jobs<'w> {
    loader: Res<'w, Loader>,
    layout: Res<'w, LayoutJob>,
    status: ResMut<'w, Status>,
    capture: ResMut<'w, CaptureSettings>,
}

/// The shell's own state and what it asks of the rest of the app.
#[derive(SystemParam)]
pub struct Shell<'w> {
    state: ResMut<'w, UiState>,
    focus: ResMut<'w, UiFocus>,
    requests: MessageWriter<'w, Request>,
    captures: MessageWriter<'w, CaptureRequest>,
    exit: MessageWriter<'w, AppExit>,
    sessions: ResMut<'w, session::Sessions>,
}

pub const PANEL_WIDTH: f32 = 330.0;

fn ui(
    mut contexts: EguiContexts,
    mut scene: Scene,
    mut jobs: Jobs,
    mut shell: Shell,
    activity: (LiveUi, RecordingUi),
    mut record: RecordUi,
    mut communities: CommunitiesUi,
) -> Result {
    let (mut live, mut recording) = activity;
    let ctx = contexts.ctx_mut()?.clone();
    let theme = scene.settings.theme;
    if shell.state.applied_theme != Some(theme) {
        ctx.set_visuals(match theme {
            Theme::Dark => egui::Visuals::dark(),
            Theme::Light => egui::Visuals::light(),
        });
        shell.state.applied_theme = Some(theme);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::Panel::top("menu").show(&mut root, |ui| {
        menu_ui(ui, &mut scene, &mut shell, &mut live, &mut communities, &mut recording)
    });
    egui::Panel::bottom("status").show(&mut root, |ui| status_bar_ui(ui, &scene, &mut jobs));
    egui::Panel::left("side")
        .default_size(PANEL_WIDTH)
        .resizable(true)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                side_panel::side_panel_ui(ui, &mut scene, &mut shell, &mut jobs, &mut communities.state);
                let [x0, y0, x1, y1] = shell.focus.viewport;
                let view = ((x1 - x0).max(2.0) as u32, (y1 - y0).max(2.0) as u32);
                let rec = &recording.rec;
                let playing = (rec.showing == recordings::Showing::Activity && !rec.animals.is_empty())
                    .then_some((rec.time_s, rec.speed));
                video_ui::video_ui(ui, &mut record, view, playing);
            });
        });
    if live.files.show_panel {
        egui::Panel::right("simulation")
            .default_size(310.0)
            .resizable(true)
            .show(&mut root, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| panel::controls_ui(ui, &mut live, &mut scene));
            });
    }
    let rec = &recording.rec;
    if rec.open && (!rec.animals.is_empty() || rec.load.is_some()) {
        // Two ids: the one-line panel shown while loading must not leave its size to the full one.
        let (id, size) = if rec.animals.is_empty() {
            ("recording loading", 40.0)
        } else {
            ("recording", 330.0)
        };
        egui::Panel::bottom(id)
            .default_size(size)
            .min_size(36.0)
            .resizable(true)
            .show(&mut root, |ui| {
                recording_panel_ui(ui, &mut recording, &mut scene, &live.live, &mut shell.requests)
            });
    }
    if live.files.show_plots && live.live.snapshot.time_ms > 0.0 {
        egui::Panel::bottom("plots")
            .default_size(210.0)
            .min_size(160.0)
            .resizable(true)
            .show(&mut root, |ui| plots::plots_ui(ui, &mut live, &mut scene));
    }
    let rect = root.available_rect_before_wrap();
    window::window_ui(
        &ctx,
        &mut communities,
        &mut scene,
        (&live.live, &mut recording.rec),
        rect,
        &mut jobs.status,
        &mut shell.requests,
    );
    let focus = &mut shell.focus;
    focus.viewport = [rect.min.x, rect.min.y, rect.max.x, rect.max.y];
    let pointer = ctx.pointer_latest_pos();
    let over_layer = pointer
        .and_then(|p| ctx.layer_id_at(p))
        .is_some_and(|l| l.order != egui::Order::Background);
    focus.pointer_over_ui = pointer.is_none_or(|p| !rect.contains(p)) || over_layer || ctx.egui_is_using_pointer();
    focus.keyboard_busy = ctx.egui_wants_keyboard_input();
    Ok(())
}

/// File, View and Help menus.
fn menu_ui(
    ui: &mut egui::Ui,
    scene: &mut Scene,
    shell: &mut Shell,
    live: &mut LiveUi,
    communities: &mut CommunitiesUi,
    recording: &mut RecordingUi,
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open…").clicked() {
                shell.requests.write(Request::OpenDialog);
            }
            if ui
                .button("Open recording…")
                .on_hover_text(
                    "Recorded activity: NWB, WormWideWeb JSON or traces CSV; several files = several animals",
                )
                .clicked()
            {
                shell.requests.write(Request::OpenRecordingDialog);
            }
            if !recording.rec.animals.is_empty() && ui.button("Close recordings").clicked() {
                shell.requests.write(Request::CloseRecordings);
            }
            let recent = shell.sessions.recent().to_vec();
            ui.add_enabled_ui(!recent.is_empty(), |ui| {
                ui.menu_button("Open recent", |ui| {
                    for entry in recent {
                        if ui.button(&entry).clicked() {
                            shell.requests.write(Request::Open(entry));
                        }
                    }
                });
            });
            ui.separator();
            if ui.button("Open session…").clicked() {
                shell.requests.write(Request::OpenSessionDialog);
            }
            if ui
                .button("Save session…")
                .on_hover_text(
                    "The source, layout, camera, colours, filters, selection, protocol and time (.cscope.json)",
                )
                .clicked()
            {
                shell.requests.write(Request::SaveSessionDialog);
            }
            ui.separator();
            ui.menu_button("Bundled datasets", |ui| {
                for d in datasets::ALL {
                    if d.name.contains("signs") {
                        continue;
                    }
                    if ui.button(d.name).on_hover_text(d.description).clicked() {
                        shell.requests.write(Request::Open(d.name.to_string()));
                    }
                }
            });
            if ui.button("Quit").clicked() {
                shell.exit.write(AppExit::Success);
            }
        });
        ui.menu_button("View", |ui| {
            if ui.button("Reset view (R)").clicked() {
                shell.requests.write(Request::ResetView);
            }
            if ui.button("Focus selection (F)").clicked() {
                shell.requests.write(Request::FocusSelection);
            }
            let mut t = scene.settings.theme;
            ui.radio_value(&mut t, Theme::Dark, "Dark theme");
            ui.radio_value(&mut t, Theme::Light, "Light theme");
            if t != scene.settings.theme {
                scene.settings.theme = t;
                scene.dirty.neurons = true;
                scene.dirty.edges = true;
            }
            ui.separator();
            ui.checkbox(&mut live.files.show_panel, "Simulation panel");
            ui.checkbox(&mut live.files.show_plots, "Activity plots");
            ui.checkbox(&mut communities.state.open, "Communities");
            ui.checkbox(&mut recording.rec.open, "Recording panel");
        });
        ui.menu_button("Help", |ui| {
            ui.label(egui::RichText::new("Controls").strong());
            egui::Grid::new("controls").num_columns(2).striped(true).show(ui, |ui| {
                for (keys, action) in CONTROLS {
                    ui.label(egui::RichText::new(*keys).monospace());
                    ui.label(*action);
                    ui.end_row();
                }
            });
        });
    });
}

/// Every shortcut of the app (Help > Controls and the README's table).
pub const CONTROLS: &[(&str, &str)] = &[
    ("left drag, arrow keys", "orbit"),
    ("right or middle drag, Shift + arrows", "pan"),
    ("wheel, + / −, Page Up / Page Down", "zoom"),
    ("click", "select (in stimulate mode: a current pulse; hold: a current)"),
    ("Shift + click", "add to / remove from the selection"),
    ("Esc", "clear the selection"),
    ("F", "focus on the selection"),
    ("R, Home", "reset the view"),
    ("Space", "run / pause the simulation"),
    ("Ctrl + Z", "undo a timeline edit"),
    ("Ctrl + Shift + Z, Ctrl + Y", "redo"),
    ("F12", "screenshot"),
    ("Enter in the search box", "select every match"),
    (
        "drop a file on the window",
        "open it (recordings join the open graph; several = several animals)",
    ),
];

fn status_bar_ui(ui: &mut egui::Ui, scene: &Scene, jobs: &mut Jobs) {
    ui.horizontal(|ui| {
        if let Some(p) = jobs.loader.progress() {
            ui.spinner();
            ui.label(p);
        }
        if let Some(p) = &jobs.layout.progress {
            ui.spinner();
            ui.label(p);
        }
        if let Some(e) = jobs.status.error.clone() {
            ui.colored_label(egui::Color32::from_rgb(0xff, 0x6b, 0x6b), format!("Error: {e}"));
            if ui.small_button("dismiss").clicked() {
                jobs.status.error = None;
            }
        } else if let Some(i) = &jobs.status.info {
            ui.label(i);
        }
        if let (Some(g), Some(e)) = (&scene.graph.data, &scene.edges) {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(format!(
                    "{} neurons · drawing {} of {} connections",
                    g.len(),
                    e.drawn,
                    e.total
                ));
            });
        }
    });
}
