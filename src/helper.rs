//! A second thread for post-render's second pass: the one that built the config.
//!
//! Spawning a fresh thread for the second pass cost more than its share of the work suggests: on
//! the bench's VM it started a median 2.4 ms after it was spawned, and its first allocations
//! made glibc map and fault in a new arena. The thread that builds the config while stdin is
//! read has already paid for both; it sleeps after the config and takes half of the second pass
//! when it comes ([`Helper::share`]). On 500 workloads the median wall time went from 11.9 to
//! 11.1 ms in the harness, and its slowest tenth from 15.2 to 11.6 ms (issue 5).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// A thread that computes one result, then runs at most one job lent to it.
pub struct Helper<T> {
    first: Receiver<T>,
    shared: Arc<Shared>,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

enum State {
    /// The helper waits for a job.
    Waiting,
    /// A job waits for the helper.
    Offered(Job),
    Running,
    Done {
        panicked: bool,
    },
    /// No job will come, or the helper is gone: it takes none.
    Closed,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, state: State) {
        *self.lock() = state;
        self.changed.notify_all();
    }

    /// No job will come: a helper still waiting for one ends. An offered job stays offered, for
    /// its lender to take back.
    fn close(&self) {
        let mut state = self.lock();
        if matches!(*state, State::Waiting) {
            *state = State::Closed;
            self.changed.notify_all();
        }
    }

    fn wait<'s>(&self, state: MutexGuard<'s, State>) -> MutexGuard<'s, State> {
        self.changed
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Send + 'static> Helper<T> {
    /// Start the thread: it computes `first`, then waits for a job.
    pub fn start(first: impl FnOnce() -> T + Send + 'static) -> Helper<T> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::Waiting),
            changed: Condvar::new(),
        });
        let (sender, receiver) = channel();
        let theirs = Arc::clone(&shared);
        std::thread::spawn(move || {
            // A panic in `first` drops the sender: `Helper::first` reports it.
            let Ok(result) = catch_unwind(AssertUnwindSafe(first)) else {
                theirs.close();
                return;
            };
            let _ = sender.send(result);
            drop(sender); // a second `Helper::first` gets `None`, not a wait
            if let Some(job) = wait_for_job(&theirs) {
                let panicked = catch_unwind(AssertUnwindSafe(job)).is_err();
                theirs.set(State::Done { panicked });
            }
        });
        Helper {
            first: receiver,
            shared,
        }
    }

    /// The first result, when it is ready; `None` if computing it panicked.
    pub fn first(&self) -> Option<T> {
        self.first.recv().ok()
    }
}

impl<T> Helper<T> {
    /// Run `theirs` on the helper and `mine` on this thread, and return when both are done.
    /// `theirs` runs here after `mine` when the helper has not started it by then (it was slow
    /// to wake, or computing the first result panicked). Panics when `theirs` panicked on the
    /// helper.
    pub fn share<'a, R>(&self, theirs: impl FnOnce() + Send + 'a, mine: impl FnOnce() -> R) -> R {
        let job: Box<dyn FnOnce() + Send + 'a> = Box::new(theirs);
        // SAFETY: the job may borrow what lives for 'a, and runs only before this function
        // returns or unwinds: `Lent` takes it back if the helper has not started it, and
        // otherwise waits until the helper has finished it (a panic in it is caught there).
        let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + 'a>, Job>(job) };
        let offered = {
            let mut state = self.shared.lock();
            if matches!(*state, State::Waiting) {
                *state = State::Offered(job);
                self.shared.changed.notify_all();
                Ok(Lent(&self.shared))
            } else {
                // Taken by an earlier (or enclosing) `share`, or the helper is gone.
                Err(job)
            }
        };
        // `offered` holds the `Lent` while `mine` runs, so an unwind from `mine` settles the job.
        let result = mine();
        let kept = match offered {
            Ok(lent) => lent.finish(),
            Err(job) => Some(job),
        };
        if let Some(job) = kept {
            job();
        }
        result
    }
}

impl<T> Drop for Helper<T> {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// A job offered to the helper. Finished, or dropped while unwinding, it is taken back if the
/// helper has not started it, and waited for if it has.
struct Lent<'s>(&'s Shared);

impl Lent<'_> {
    /// The job when the helper never started it; panics if it panicked on the helper.
    fn finish(self) -> Option<Job> {
        let (job, panicked) = self.settle();
        std::mem::forget(self);
        assert!(!panicked, "the helper thread panicked");
        job
    }

    fn settle(&self) -> (Option<Job>, bool) {
        let mut state = self.0.lock();
        loop {
            match std::mem::replace(&mut *state, State::Closed) {
                State::Offered(job) => return (Some(job), false),
                State::Running => {
                    *state = State::Running;
                    state = self.0.wait(state);
                }
                State::Done { panicked } => return (None, panicked),
                State::Waiting | State::Closed => return (None, false),
            }
        }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        // Unwinding from `mine`: the job must not outlive what it borrows, and is not run.
        let _ = self.settle();
    }
}

/// Sleep until a job comes (`None` when the helper is closed first).
fn wait_for_job(shared: &Shared) -> Option<Job> {
    let mut state = shared.lock();
    loop {
        match std::mem::replace(&mut *state, State::Running) {
            State::Offered(job) => return Some(job),
            State::Closed => {
                *state = State::Closed;
                return None;
            }
            other => *state = other,
        }
        state = shared.wait(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::time::{Duration, Instant};

    /// Wait until `flag` is set (or give up after seconds).
    fn until(flag: &AtomicBool) {
        let give_up = Instant::now() + Duration::from_secs(10);
        while !flag.load(SeqCst) && Instant::now() < give_up {
            std::thread::yield_now();
        }
    }

    /// A flag to set, and a wait until it is set: a first result held back while jobs are lent.
    fn gate() -> (Arc<AtomicBool>, impl Fn() + Send + 'static) {
        let release = Arc::new(AtomicBool::new(false));
        let held = Arc::clone(&release);
        (release, move || until(&held))
    }

    #[test]
    fn the_helper_runs_the_job_it_is_lent() {
        let helper = Helper::start(|| std::thread::current().id());
        let helper_thread = helper.first().unwrap();
        let started = AtomicBool::new(false);
        let mut ran_on = None;
        let mine = helper.share(
            || {
                ran_on = Some(std::thread::current().id());
                started.store(true, SeqCst);
            },
            || {
                until(&started);
                std::thread::current().id()
            },
        );
        assert_eq!(ran_on, Some(helper_thread));
        assert_ne!(mine, helper_thread);
    }

    #[test]
    fn a_job_the_helper_has_not_started_runs_here() {
        let (release, wait) = gate();
        // The helper is still computing its first result when the job is lent and taken back.
        let helper = Helper::start(wait);
        let mut ran_on = None;
        helper.share(|| ran_on = Some(std::thread::current().id()), || ());
        release.store(true, SeqCst);
        assert_eq!(ran_on, Some(std::thread::current().id()));
    }

    #[test]
    fn a_job_lent_before_the_first_result_fails_runs_here() {
        let (release, wait) = gate();
        let helper: Helper<()> = Helper::start(move || {
            wait();
            panic!("the first computation fails")
        });
        let mut ran = false;
        helper.share(
            || ran = true,
            || {
                release.store(true, SeqCst);
                // Let the helper fail while the job is offered.
                std::thread::sleep(Duration::from_millis(20));
            },
        );
        assert!(ran);
        assert!(helper.first().is_none());
    }

    #[test]
    fn a_share_inside_a_share_runs_both_jobs() {
        let (release, wait) = gate();
        // The outer job stays offered while the inner share runs.
        let helper = Helper::start(wait);
        let (mut outer, mut inner) = (false, false);
        helper.share(|| outer = true, || helper.share(|| inner = true, || ()));
        release.store(true, SeqCst);
        assert!(outer && inner);
    }

    #[test]
    fn a_second_share_runs_its_job_here() {
        let helper = Helper::start(|| ());
        helper.first().unwrap();
        helper.share(|| (), || ());
        let mut ran_on = None;
        helper.share(|| ran_on = Some(std::thread::current().id()), || ());
        assert_eq!(ran_on, Some(std::thread::current().id()));
        assert!(helper.first().is_none());
    }

    #[test]
    fn a_panic_here_drops_a_job_not_started() {
        let (release, wait) = gate();
        let helper = Helper::start(wait);
        let ran = AtomicBool::new(false);
        let shared = catch_unwind(AssertUnwindSafe(|| {
            helper.share(|| ran.store(true, SeqCst), || panic!("this side fails"));
        }));
        release.store(true, SeqCst);
        assert!(shared.is_err());
        assert!(!ran.load(SeqCst));
    }

    #[test]
    fn the_job_runs_here_when_the_helper_failed() {
        let helper: Helper<()> = Helper::start(|| panic!("the first computation fails"));
        assert!(helper.first().is_none());
        let mut ran_on = None;
        helper.share(|| ran_on = Some(std::thread::current().id()), || ());
        assert_eq!(ran_on, Some(std::thread::current().id()));
    }

    #[test]
    fn a_panic_in_the_lent_job_reaches_the_lender() {
        let helper = Helper::start(|| ());
        helper.first().unwrap();
        let started = AtomicBool::new(false);
        let shared = catch_unwind(AssertUnwindSafe(|| {
            helper.share(
                || {
                    started.store(true, SeqCst);
                    panic!("the job fails")
                },
                || until(&started),
            );
        }));
        assert!(started.load(SeqCst));
        assert!(shared.is_err());
    }

    #[test]
    fn a_panic_here_waits_for_the_job_to_finish() {
        let helper = Helper::start(|| ());
        helper.first().unwrap();
        let (started, finished) = (AtomicBool::new(false), AtomicBool::new(false));
        let shared = catch_unwind(AssertUnwindSafe(|| {
            helper.share(
                || {
                    started.store(true, SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    finished.store(true, SeqCst);
                },
                || {
                    until(&started);
                    panic!("this side fails")
                },
            );
        }));
        assert!(shared.is_err());
        // The job had started: it finished before `share` unwound past what it borrows.
        assert!(started.load(SeqCst) && finished.load(SeqCst));
    }

    #[test]
    fn dropping_the_helper_ends_its_thread() {
        let helper = Helper::start(|| ());
        helper.first().unwrap();
        let shared = Arc::clone(&helper.shared);
        drop(helper);
        // The thread holds the other reference until it ends.
        let give_up = Instant::now() + Duration::from_secs(10);
        while Arc::strong_count(&shared) > 1 && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(Arc::strong_count(&shared), 1);
        assert!(matches!(*shared.lock(), State::Closed));
    }
}
