//! The SQLite relay's one writer: a thread that owns the connection and runs every storage
//! call, batching the calls that arrive together into one transaction (group commit).
//!
//! Why: a commit is the expensive part of a post (the WAL append and its sync), and handing
//! each call to a blocking thread behind a mutex cost more than the statements themselves.
//! Here concurrent calls share one commit, each in a savepoint of its own so one call's
//! failure rolls back only its own writes, and nobody is answered before the commit that
//! holds their writes has returned.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, mpsc};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::RelayError;

/// At most this many calls share one transaction, so one batch never holds the others'
/// answers for long.
const MAX_BATCH: usize = 64;

/// What the writer hands back once the batch's commit is known: `Ok` when it held.
type Reply = Box<dyn FnOnce(Result<(), ()>) + Send>;
/// A call: runs on the connection, says whether its writes are to be kept, and gives the
/// answer to send once the commit is known.
type Work = Box<dyn FnOnce(&mut Connection) -> (bool, Reply) + Send>;

enum Job {
    /// Runs in the batch's transaction, in a savepoint of its own.
    Batched(Work),
    /// Runs alone, outside any transaction (a WAL checkpoint cannot run inside one).
    Alone(Work),
}

/// The handle to the writer thread; cloning it shares the thread. When the last handle
/// goes, the thread finishes what it was given, closes the connection (SQLite then
/// checkpoints and removes its WAL) and is waited for, so a stopped relay has let go of
/// its files.
#[derive(Clone)]
pub(super) struct Writer {
    // Dropped before `_joined`: the channel closes, then the thread is joined.
    jobs: mpsc::Sender<Job>,
    /// Held for its `Drop` alone.
    _joined: Arc<Joined>,
}

/// Joins the writer thread when the last handle is dropped.
struct Joined(Option<std::thread::JoinHandle<()>>);

impl Drop for Joined {
    fn drop(&mut self) {
        if let Some(t) = self.0.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

impl Writer {
    /// Starts the thread that owns `conn`. It ends when the last handle is dropped.
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("relay-sqlite-writer".into())
            .spawn(move || run(conn, rx))?;
        Ok(Self {
            jobs,
            _joined: Arc::new(Joined(Some(thread))),
        })
    }

    /// Runs `f` in the next batch and answers after that batch has committed.
    pub(super) async fn batched<T, F>(&self, f: F) -> Result<T, RelayError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.send(f, Job::Batched).await
    }

    /// Runs `f` on its own, outside any transaction.
    pub(super) async fn alone<T, F>(&self, f: F) -> Result<T, RelayError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.send(f, Job::Alone).await
    }

    async fn send<T, F>(&self, f: F, kind: fn(Work) -> Job) -> Result<T, RelayError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, RelayError>>();
        let work: Work = Box::new(move |c| {
            let out = f(c);
            let keep = out.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let answer = match (out, committed) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Err(e), _) => Err(RelayError::storage(e)),
                    (Ok(_), Err(())) => Err(RelayError::Unavailable("storage error".into())),
                };
                // The caller may have gone (its connection closed); nothing to tell.
                let _ = tx.send(answer);
            });
            (keep, reply)
        });
        self.jobs
            .send(kind(work))
            .map_err(|_| RelayError::Unavailable("storage task failed".into()))?;
        rx.await
            .map_err(|_| RelayError::Unavailable("storage task failed".into()))?
    }
}

fn run(mut conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut waiting: Vec<Reply> = Vec::new();
        let mut open = false;
        for job in batch {
            match job {
                Job::Batched(work) => {
                    if !open {
                        open = begin(&mut conn);
                        if !open {
                            // Not run: dropping it tells its caller the storage is
                            // unavailable, and nothing of it was written.
                            drop(work);
                            continue;
                        }
                    }
                    if conn.execute_batch("SAVEPOINT job").is_err() {
                        drop(work);
                        continue;
                    }
                    let (keep, reply) = match attempt(&mut conn, work) {
                        Some(done) => done,
                        None => (false, Box::new(|_| ()) as Reply),
                    };
                    let end = if keep {
                        "RELEASE job"
                    } else {
                        "ROLLBACK TO job; RELEASE job"
                    };
                    if conn.execute_batch(end).is_err() {
                        // The batch's state is unknown: give all of it up.
                        waiting.push(reply);
                        abandon(&mut conn, &mut open, &mut waiting);
                        continue;
                    }
                    waiting.push(reply);
                }
                Job::Alone(work) => {
                    finish(&mut conn, &mut open, &mut waiting);
                    if let Some((_, reply)) = attempt(&mut conn, work) {
                        reply(Ok(()));
                    }
                }
            }
        }
        finish(&mut conn, &mut open, &mut waiting);
    }
}

/// Opens the batch's transaction, first ending one a failure left open (so a later call
/// is never answered from inside a transaction that will not commit).
fn begin(conn: &mut Connection) -> bool {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    match conn.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "storage batch could not begin");
            false
        }
    }
}

/// Runs one call; a call that panics is dropped with its answer (its caller is told the
/// storage task failed) and the writer goes on.
fn attempt(conn: &mut Connection, work: Work) -> Option<(bool, Reply)> {
    std::panic::catch_unwind(AssertUnwindSafe(|| work(conn))).ok()
}

/// Commits the open batch, then answers everyone in it: all held, or none did.
fn finish(conn: &mut Connection, open: &mut bool, waiting: &mut Vec<Reply>) {
    if !std::mem::take(open) {
        return;
    }
    let committed = match conn.execute_batch("COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "storage commit failed");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            Err(())
        }
    };
    for reply in waiting.drain(..) {
        reply(committed);
    }
}

/// Rolls the open batch back and tells everyone in it that it failed.
fn abandon(conn: &mut Connection, open: &mut bool, waiting: &mut Vec<Reply>) {
    *open = false;
    let _ = conn.execute_batch("ROLLBACK");
    for reply in waiting.drain(..) {
        reply(Err(()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn writer() -> (Writer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("w.db")).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT);",
        )
        .unwrap();
        (Writer::start(conn).unwrap(), dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_calls_each_keep_their_own_writes() {
        let (w, _dir) = writer();
        let mut tasks = Vec::new();
        for k in 0..200i64 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                w.batched(move |c| {
                    c.execute("INSERT INTO t (k, v) VALUES (?1, 'x')", [k])?;
                    // Every third call fails after writing: only its own write goes.
                    if k % 3 == 0 {
                        c.execute("INSERT INTO t (k, v) VALUES (?1, 'dup')", [k])?;
                    }
                    Ok(k)
                })
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        let kept: i64 = w
            .batched(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(ok, 200 - 67);
        assert_eq!(
            kept,
            200 - 67,
            "a failed call's write is rolled back, no other"
        );
    }

    /// The promise: a call answered Ok was committed, and one answered Err left nothing.
    /// Every third commit is made to fail (a commit hook turns it into a rollback) while
    /// 300 calls race; each Ok's row is there afterwards and no Err's row is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn only_committed_calls_are_answered_ok() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT);",
        )
        .unwrap();
        let commits = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = commits.clone();
        conn.commit_hook(Some(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 3 == 2
        }))
        .unwrap();
        let w = Writer::start(conn).unwrap();
        let mut tasks = Vec::new();
        for k in 0..300i64 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                let r = w
                    .batched(move |c| c.execute("INSERT INTO t (k, v) VALUES (?1, 'x')", [k]))
                    .await;
                (k, r.is_ok())
            }));
        }
        let mut answered = Vec::new();
        for t in tasks {
            answered.push(t.await.unwrap());
        }
        drop(w);
        let check = Connection::open(&path).unwrap();
        let (mut ok, mut failed) = (0, 0);
        for (k, was_ok) in answered {
            let held: bool = check
                .query_row("SELECT EXISTS (SELECT 1 FROM t WHERE k = ?1)", [k], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(held, was_ok, "call {k}: answered ok={was_ok}, held={held}");
            if was_ok { ok += 1 } else { failed += 1 }
        }
        assert!(
            ok > 0 && failed > 0,
            "both outcomes happened ({ok} ok, {failed} failed)"
        );
        assert!(commits.load(std::sync::atomic::Ordering::Relaxed) >= 3);
    }

    #[tokio::test]
    async fn a_panicking_call_is_refused_and_the_writer_goes_on() {
        let (w, _dir) = writer();
        let r: Result<(), _> = w.batched(|_| panic!("boom")).await;
        assert!(matches!(r, Err(RelayError::Unavailable(_))));
        let n: i64 = w
            .batched(|c| {
                c.execute("INSERT INTO t (k, v) VALUES (1, 'a')", [])?;
                c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            })
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn a_checkpoint_runs_outside_the_batch() {
        let (w, _dir) = writer();
        w.batched(|c| c.execute("INSERT INTO t (k, v) VALUES (1, 'a')", []))
            .await
            .unwrap();
        let busy: i64 = w
            .alone(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(busy, 0, "the checkpoint completed");
    }
}
