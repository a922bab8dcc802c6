//! Work off the main thread: loading, layouts, shortest paths, file dialogs, saving. A job
//! runs a closure on its own thread and sends results back over a channel the app polls once
//! a frame; a panic in the job becomes an error message, never a crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What a poll found.
pub enum Poll<T> {
    /// The newest message sent since the last poll (older ones are dropped).
    Ready(T),
    Pending,
    /// The job ended and everything it sent has been read.
    Finished,
}

pub struct Job<T> {
    rx: Mutex<Receiver<T>>,
    cancel: Arc<AtomicBool>,
    pub started: Instant,
    pub label: String,
}

/// Handed to the job's closure: send results, check for cancellation.
pub struct Worker<T> {
    tx: Sender<T>,
    cancel: Arc<AtomicBool>,
}

impl<T> Worker<T> {
    /// Sends a result; false when nobody listens any more (stop working then).
    pub fn send(&self, value: T) -> bool {
        self.tx.send(value).is_ok()
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancellation flag itself, for core functions that poll one.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a new thread. If it panics, `on_panic(message)` is sent instead.
    pub fn spawn(
        label: impl Into<String>,
        work: impl FnOnce(&Worker<T>) + Send + 'static,
        on_panic: impl FnOnce(String) -> T + Send + 'static,
    ) -> Job<T> {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            tx,
            cancel: cancel.clone(),
        };
        let label = label.into();
        let name = label.chars().take(15).collect::<String>();
        let spawned = std::thread::Builder::new().name(name).spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&worker)));
            if let Err(payload) = result {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown error".into());
                let _ = worker.tx.send(on_panic(format!("internal error: {message}")));
            }
        });
        if let Err(e) = spawned {
            eprintln!("error: cannot start a thread: {e}");
        }
        Job {
            rx: Mutex::new(rx),
            cancel,
            started: Instant::now(),
            label,
        }
    }

    /// The newest result, if any.
    pub fn poll(&self) -> Poll<T> {
        let Ok(rx) = self.rx.lock() else { return Poll::Finished };
        let mut latest = None;
        loop {
            match rx.try_recv() {
                Ok(v) => latest = Some(v),
                Err(TryRecvError::Empty) => return latest.map_or(Poll::Pending, Poll::Ready),
                Err(TryRecvError::Disconnected) => return latest.map_or(Poll::Finished, Poll::Ready),
            }
        }
    }

    /// Asks the job to stop (it checks [`Worker::cancelled`]).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
