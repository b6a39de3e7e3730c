//! The SQLite relay's one writer: a thread that owns the connection and runs every storage
//! call, batching the calls that arrive together into one transaction (group commit).
//!
//! Why: a commit is the expensive part of a post (the WAL append and its sync), and handing
//! each call to a blocking thread behind a mutex cost more than the statements themselves.
//! Here concurrent calls share one commit, each in a savepoint of its own so one call's
//! failure rolls back only its own writes, and nobody is answered before the commit that
//! holds their writes has returned.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

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

/// The handle to the writer thread; cloning it shares the thread.
#[derive(Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the thread that owns `conn`. It ends when the last handle is dropped.
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("relay-sqlite-writer".into())
            .spawn(move || run(conn, rx))?;
        Ok(Self { jobs })
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
                    // Without the outer transaction (it could not begin) the savepoint is
                    // a transaction of its own, committed on release: slower, still right.
                    if !open {
                        open = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
                    }
                    let started = conn.execute_batch("SAVEPOINT job").is_ok();
                    let (keep, reply) = match attempt(&mut conn, work) {
                        Some(done) => done,
                        None => (false, Box::new(|_| ()) as Reply),
                    };
                    if started {
                        let end = if keep {
                            "RELEASE job"
                        } else {
                            "ROLLBACK TO job; RELEASE job"
                        };
                        if conn.execute_batch(end).is_err() {
                            reply(Err(()));
                            continue;
                        }
                    }
                    if open {
                        waiting.push(reply);
                    } else {
                        reply(if started { Ok(()) } else { Err(()) });
                    }
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

/// Runs one call; a call that panics is dropped with its answer (its caller is told the
/// storage task failed) and the writer goes on.
fn attempt(conn: &mut Connection, work: Work) -> Option<(bool, Reply)> {
    std::panic::catch_unwind(AssertUnwindSafe(|| work(conn))).ok()
}

/// Commits the open batch, then answers everyone in it.
fn finish(conn: &mut Connection, open: &mut bool, waiting: &mut Vec<Reply>) {
    if !std::mem::take(open) {
        return;
    }
    let committed = conn.execute_batch("COMMIT").map_err(|e| {
        tracing::error!(error = %e, "storage commit failed");
        let _ = conn.execute_batch("ROLLBACK");
    });
    for reply in waiting.drain(..) {
        reply(committed);
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
