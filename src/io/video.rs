//! Video writers: RGBA frames in, a file out. H.264 MP4 through `ffmpeg` when it is on PATH,
//! else the built-in encoder (OpenH264, built from Cisco's BSD-licensed source — Cisco's patent
//! licence covers only its own binaries — muxed with the `mp4` crate); animated GIF; or a
//! folder of PNG frames. Everything is written under a temporary name and renamed into place
//! by [`VideoWriter::finish`]: a cancelled or failed recording (the writer dropped, an error)
//! leaves nothing under the final name.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Which encoder writes the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoder {
    /// `ffmpeg` (libx264, yuv420p), fed raw frames through a pipe.
    Ffmpeg,
    /// OpenH264 + MP4 muxer, no system install needed.
    BuiltIn,
    Gif,
    /// A folder of numbered PNG frames.
    Png,
    /// Frames are discarded: for measuring the renderer alone.
    Null,
}

impl Encoder {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoder::Ffmpeg => "ffmpeg",
            Encoder::BuiltIn => "builtin",
            Encoder::Gif => "gif",
            Encoder::Png => "png",
            Encoder::Null => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Encoder> {
        Some(match s {
            "ffmpeg" => Encoder::Ffmpeg,
            "builtin" | "built-in" | "openh264" => Encoder::BuiltIn,
            "gif" => Encoder::Gif,
            "png" => Encoder::Png,
            "none" => Encoder::Null,
            _ => return None,
        })
    }

    /// The encoder for `path`: PNG frames for a path without extension (a folder), GIF for
    /// `.gif`, else ffmpeg if it is installed, else the built-in one.
    pub fn for_path(path: &Path) -> Result<Encoder, String> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            None => Ok(Encoder::Png),
            Some("gif") => Ok(Encoder::Gif),
            Some("mp4") if ffmpeg_available() => Ok(Encoder::Ffmpeg),
            Some("mp4") => Ok(Encoder::BuiltIn),
            Some("mov" | "mkv" | "webm") if ffmpeg_available() => Ok(Encoder::Ffmpeg),
            Some(other) => Err(format!(
                "{}: cannot write .{other} video (use .mp4, .gif, or a folder name for PNG frames{})",
                path.display(),
                if ffmpeg_available() {
                    ""
                } else {
                    "; .mov/.mkv/.webm need ffmpeg"
                }
            )),
        }
    }
}

/// `ffmpeg` can be run.
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

enum Sink {
    Null,
    Ffmpeg(Child),
    BuiltIn(Box<H264>),
    Gif(gif::Encoder<BufWriter<File>>),
    Png,
}

/// Writes frames of a fixed size to one video. Drop it without [`finish`](Self::finish) to
/// cancel: the partial output is removed.
pub struct VideoWriter {
    encoder: Encoder,
    sink: Option<Sink>,
    /// The final path and where the frames go until then.
    path: PathBuf,
    partial: PathBuf,
    width: u32,
    height: u32,
    fps: f64,
    frames: u64,
}

impl VideoWriter {
    /// Starts a video of `width`×`height` (both even: H.264 stores colour at half resolution)
    /// at `fps` frames per second.
    pub fn create(path: &Path, encoder: Encoder, width: u32, height: u32, fps: f64) -> Result<VideoWriter, String> {
        if width == 0 || height == 0 || !width.is_multiple_of(2) || !height.is_multiple_of(2) {
            return Err(format!(
                "video size {width}x{height}: width and height must be even and > 0"
            ));
        }
        if !(fps > 0.0 && fps <= 240.0) {
            return Err(format!("{fps} fps: use 1 to 240"));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .ok_or_else(|| format!("{}: not a file name", path.display()))?
            .to_string_lossy();
        // Keep the extension last: ffmpeg picks the container from it.
        let partial = dir.join(format!(
            ".{name}.partial-{}.{}",
            std::process::id(),
            match encoder {
                Encoder::Png => "d",
                _ => path.extension().and_then(|e| e.to_str()).unwrap_or("mp4"),
            }
        ));
        let sink = match encoder {
            Encoder::Null => Sink::Null,
            Encoder::Ffmpeg => Sink::Ffmpeg(spawn_ffmpeg(&partial, width, height, fps)?),
            Encoder::BuiltIn => Sink::BuiltIn(Box::new(H264::new(&partial, width, height, fps)?)),
            Encoder::Gif => {
                if width > u16::MAX as u32 || height > u16::MAX as u32 {
                    return Err("GIF frames are at most 65535 pixels wide".into());
                }
                let file = File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
                let mut g = gif::Encoder::new(BufWriter::new(file), width as u16, height as u16, &[])
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                g.set_repeat(gif::Repeat::Infinite).map_err(|e| e.to_string())?;
                Sink::Gif(g)
            }
            Encoder::Png => {
                std::fs::create_dir_all(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
                Sink::Png
            }
        };
        Ok(VideoWriter {
            encoder,
            sink: Some(sink),
            path: path.to_path_buf(),
            partial,
            width,
            height,
            fps,
            frames: 0,
        })
    }

    pub fn encoder(&self) -> Encoder {
        self.encoder
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Appends one frame: `width * height * 4` bytes of sRGB RGBA, rows top to bottom.
    pub fn push(&mut self, rgba: &[u8]) -> Result<(), String> {
        let (w, h) = (self.width as usize, self.height as usize);
        if rgba.len() != w * h * 4 {
            return Err(format!("a frame of {} bytes, expected {w}x{h}x4", rgba.len()));
        }
        let k = self.frames;
        match self.sink.as_mut().expect("an open video") {
            Sink::Null => {}
            Sink::Ffmpeg(child) => {
                let stdin = child.stdin.as_mut().expect("ffmpeg's stdin");
                if let Err(e) = stdin.write_all(rgba) {
                    return Err(format!("ffmpeg stopped taking frames ({e}): {}", ffmpeg_error(child)));
                }
            }
            Sink::BuiltIn(h264) => h264.push(rgba, k)?,
            Sink::Gif(g) => {
                let mut pixels = rgba.to_vec();
                let mut frame = gif::Frame::from_rgba_speed(w as u16, h as u16, &mut pixels, 10);
                // GIF delays are in hundredths of a second.
                frame.delay =
                    ((k + 1) as f64 * 100.0 / self.fps).round() as u16 - (k as f64 * 100.0 / self.fps).round() as u16;
                g.write_frame(&frame)
                    .map_err(|e| format!("{}: {e}", self.path.display()))?;
            }
            Sink::Png => {
                let file = self.partial.join(format!("frame-{k:05}.png"));
                write_png(&file, rgba, self.width, self.height)?;
            }
        }
        self.frames += 1;
        Ok(())
    }

    /// Completes the file and moves it to its final name.
    pub fn finish(mut self) -> Result<PathBuf, String> {
        let sink = self.sink.take().expect("an open video");
        match sink {
            Sink::Null => return Ok(self.path.clone()),
            Sink::Ffmpeg(mut child) => {
                drop(child.stdin.take());
                let status = child.wait().map_err(|e| format!("ffmpeg: {e}"))?;
                if !status.success() {
                    return Err(format!("ffmpeg failed ({status}): {}", ffmpeg_error(&mut child)));
                }
            }
            Sink::BuiltIn(h264) => h264.finish()?,
            Sink::Gif(g) => {
                let mut w = g.into_inner().map_err(|e| e.to_string())?;
                w.flush().map_err(|e| e.to_string())?;
            }
            Sink::Png => {
                if self.path.exists() {
                    std::fs::remove_dir_all(&self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
                }
            }
        }
        std::fs::rename(&self.partial, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        Ok(self.path.clone())
    }
}

impl Drop for VideoWriter {
    fn drop(&mut self) {
        let Some(sink) = self.sink.take() else { return };
        if let Sink::Ffmpeg(mut child) = sink {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = if self.partial.is_dir() {
            std::fs::remove_dir_all(&self.partial)
        } else {
            std::fs::remove_file(&self.partial)
        };
    }
}

fn spawn_ffmpeg(out: &Path, width: u32, height: u32, fps: f64) -> Result<Child, String> {
    Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
        ])
        .args(["-s", &format!("{width}x{height}"), "-r", &format!("{fps}"), "-i", "-"])
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-crf",
            "18",
            "-movflags",
            "+faststart",
        ])
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))
}

/// What ffmpeg said before it stopped (its stderr).
fn ffmpeg_error(child: &mut Child) -> String {
    let _ = child.kill();
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut text);
    }
    text.trim().to_string()
}

fn write_png(path: &Path, rgba: &[u8], width: u32, height: u32) -> Result<(), String> {
    image::save_buffer_with_format(
        path,
        rgba,
        width,
        height,
        image::ColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .map_err(|e| format!("{}: {e}", path.display()))
}

/// The built-in H.264 path: OpenH264 encodes, the NAL units go into MP4 samples.
struct H264 {
    encoder: openh264::encoder::Encoder,
    yuv: openh264::formats::YUVBuffer,
    mp4: mp4::Mp4Writer<BufWriter<File>>,
    width: u32,
    height: u32,
    /// Track timescale units per frame.
    frame_ticks: u32,
    track_added: bool,
    pending: Vec<mp4::Mp4Sample>,
    bitstream: Vec<u8>,
}

const TIMESCALE: u32 = 90_000;

impl H264 {
    fn new(path: &Path, width: u32, height: u32, fps: f64) -> Result<H264, String> {
        use openh264::encoder::{BitRate, EncoderConfig, FrameRate, RateControlMode, UsageType};
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps((width * height * 4).clamp(1_000_000, 40_000_000)))
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .usage_type(UsageType::CameraVideoRealTime)
            .rate_control_mode(RateControlMode::Quality)
            // Never drop a frame (OpenH264 notes that the bitrate is then not capped).
            .skip_frames(false);
        let encoder = openh264::encoder::Encoder::with_api_config(openh264::OpenH264API::from_source(), config)
            .map_err(|e| format!("OpenH264: {e}"))?;
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mp4 = mp4::Mp4Writer::write_start(
            BufWriter::new(file),
            &mp4::Mp4Config {
                major_brand: "isom".parse().expect("a FourCC"),
                minor_version: 512,
                compatible_brands: ["isom", "iso2", "avc1", "mp41"]
                    .iter()
                    .map(|b| b.parse().expect("a FourCC"))
                    .collect(),
                timescale: 1000,
            },
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(H264 {
            encoder,
            yuv: openh264::formats::YUVBuffer::new(width as usize, height as usize),
            mp4,
            width,
            height,
            frame_ticks: (TIMESCALE as f64 / fps).round() as u32,
            track_added: false,
            pending: Vec::new(),
            bitstream: Vec::new(),
        })
    }

    fn push(&mut self, rgba: &[u8], index: u64) -> Result<(), String> {
        let dims = (self.width as usize, self.height as usize);
        self.yuv.read_rgba8(openh264::formats::RgbaSliceU8::new(rgba, dims));
        let stream = self.encoder.encode(&self.yuv).map_err(|e| format!("OpenH264: {e}"))?;
        self.bitstream.clear();
        stream.write_vec(&mut self.bitstream);
        // Annex B (start codes) to MP4 samples (length prefixes); SPS and PPS go to the header.
        let (mut sps, mut pps, mut sample, mut sync) = (None, None, Vec::new(), false);
        for nal in split_annex_b(&self.bitstream) {
            match nal.first().map(|b| b & 0x1f) {
                Some(7) => sps = Some(nal.to_vec()),
                Some(8) => pps = Some(nal.to_vec()),
                Some(kind) => {
                    sync |= kind == 5;
                    sample.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                    sample.extend_from_slice(nal);
                }
                None => {}
            }
        }
        if !self.track_added {
            let (Some(sps), Some(pps)) = (sps, pps) else {
                return Err("OpenH264: the first frame has no SPS/PPS".into());
            };
            self.mp4
                .add_track(&mp4::TrackConfig {
                    track_type: mp4::TrackType::Video,
                    timescale: TIMESCALE,
                    language: "und".into(),
                    media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                        width: self.width as u16,
                        height: self.height as u16,
                        seq_param_set: sps,
                        pic_param_set: pps,
                    }),
                })
                .map_err(|e| format!("MP4: {e}"))?;
            self.track_added = true;
        }
        self.pending.push(mp4::Mp4Sample {
            start_time: index * self.frame_ticks as u64,
            duration: self.frame_ticks,
            rendering_offset: 0,
            is_sync: sync,
            bytes: mp4::Bytes::from(sample),
        });
        for s in self.pending.drain(..) {
            self.mp4.write_sample(1, &s).map_err(|e| format!("MP4: {e}"))?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        self.mp4.write_end().map_err(|e| format!("MP4: {e}"))?;
        let mut w = self.mp4.into_writer();
        w.flush().map_err(|e| e.to_string())
    }
}

/// The NAL units of an Annex B stream (without their 3- or 4-byte start codes).
fn split_annex_b(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut nals = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map_or(data.len(), |&n| n - 3);
        // A 4-byte start code leaves a zero at the end of the previous unit.
        while end > s && k + 1 < starts.len() && data[end - 1] == 0 {
            end -= 1;
        }
        nals.push(&data[s..end]);
    }
    nals
}

/// Frame count and size of an MP4 written by either H.264 path (for tests and reports).
pub fn mp4_info(path: &Path) -> Result<(u32, u16, u16), String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let reader = mp4::Mp4Reader::read_header(std::io::BufReader::new(file), size)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let track = reader
        .tracks()
        .values()
        .find(|t| t.track_type().is_ok_and(|k| k == mp4::TrackType::Video))
        .ok_or_else(|| format!("{}: no video track", path.display()))?;
    Ok((track.sample_count(), track.width(), track.height()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(w: u32, h: u32, n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|k| {
                let mut f = vec![0u8; (w * h * 4) as usize];
                for (i, px) in f.chunks_mut(4).enumerate() {
                    let (x, y) = (i as u32 % w, i as u32 / w);
                    px.copy_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, (k * 40) as u8, 255]);
                }
                f
            })
            .collect()
    }

    #[test]
    fn annex_b_splits_on_3_and_4_byte_start_codes() {
        let data = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5];
        let nals = split_annex_b(&data);
        assert_eq!(nals, vec![&[0x67, 1, 2][..], &[0x68, 3], &[0x65, 4, 5]]);
    }

    #[test]
    fn built_in_mp4_has_every_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        let mut v = VideoWriter::create(&path, Encoder::BuiltIn, 64, 48, 10.0).unwrap();
        for f in frames(64, 48, 12) {
            v.push(&f).unwrap();
        }
        assert!(!path.exists(), "nothing under the final name before finish");
        v.finish().unwrap();
        assert_eq!(mp4_info(&path).unwrap(), (12, 64, 48));

        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn ffmpeg_mp4_has_every_frame() {
        if !ffmpeg_available() {
            assert!(
                std::env::var_os("CI").is_none(),
                "ffmpeg is missing (.ci/run installs it)"
            );
            eprintln!("skipped: ffmpeg is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        assert_eq!(Encoder::for_path(&path).unwrap(), Encoder::Ffmpeg);
        let mut v = VideoWriter::create(&path, Encoder::Ffmpeg, 64, 48, 25.0).unwrap();
        for f in frames(64, 48, 50) {
            v.push(&f).unwrap();
        }
        v.finish().unwrap();
        assert_eq!(mp4_info(&path).unwrap(), (50, 64, 48));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn gif_and_png_frames() {
        let dir = tempfile::tempdir().unwrap();
        let gif_path = dir.path().join("v.gif");
        let mut v = VideoWriter::create(&gif_path, Encoder::for_path(&gif_path).unwrap(), 32, 16, 20.0).unwrap();
        for f in frames(32, 16, 5) {
            v.push(&f).unwrap();
        }
        v.finish().unwrap();
        let mut decoder = gif::DecodeOptions::new()
            .read_info(File::open(&gif_path).unwrap())
            .unwrap();
        let mut count = 0;
        while decoder.read_next_frame().unwrap().is_some() {
            count += 1;
        }
        assert_eq!((count, decoder.width(), decoder.height()), (5, 32, 16));

        let png_dir = dir.path().join("frames");
        let mut v = VideoWriter::create(&png_dir, Encoder::for_path(&png_dir).unwrap(), 32, 16, 20.0).unwrap();
        for f in frames(32, 16, 3) {
            v.push(&f).unwrap();
        }
        v.finish().unwrap();
        assert_eq!(std::fs::read_dir(&png_dir).unwrap().count(), 3);
    }

    #[test]
    fn dropping_a_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.mp4", "b.gif", "c", "d.mp4"] {
            let path = dir.path().join(name);
            let encoder = match name {
                "a.mp4" => Encoder::BuiltIn,
                "d.mp4" if !ffmpeg_available() => continue,
                _ => Encoder::for_path(&path).unwrap(),
            };
            let mut v = VideoWriter::create(&path, encoder, 32, 16, 10.0).unwrap();
            v.push(&frames(32, 16, 1)[0]).unwrap();
            drop(v);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn bad_sizes_and_formats_are_refused() {
        let p = Path::new("x.mp4");
        assert!(VideoWriter::create(p, Encoder::BuiltIn, 33, 16, 10.0).is_err());
        assert!(VideoWriter::create(p, Encoder::BuiltIn, 32, 16, 0.0).is_err());
        assert!(Encoder::for_path(Path::new("x.avi")).is_err());
        assert_eq!(Encoder::for_path(Path::new("frames")).unwrap(), Encoder::Png);
    }
}
