//! An ordered parallel map: the one place stowage runs threads.
//!
//! A large stream is injected on two threads that take runs of items in turn, so a thread that
//! starts late (a vCPU slow to wake) leaves more to the other rather than a half to wait for.
//! Results come back in input order, so the output and the order of messages are those of one
//! thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over every item, in runs of `run` items, on `threads` threads (one: no thread started);
/// each thread has its own `S`. The results are in the order of `items`, in runs (flatten them:
/// they are not copied into one list).
pub fn map<T, R, S>(
    items: &[T],
    threads: usize,
    run: usize,
    f: impl Fn(&T, &mut S) -> R + Sync,
) -> Vec<Vec<R>>
where
    T: Sync,
    R: Send,
    S: Default,
{
    if threads <= 1 || items.len() <= run {
        let mut state = S::default();
        return vec![items.iter().map(|item| f(item, &mut state)).collect()];
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut state = S::default();
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let start = next.fetch_add(run, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let chunk = &items[start..(start + run).min(items.len())];
            done.push((
                start,
                chunk.iter().map(|item| f(item, &mut state)).collect(),
            ));
        }
    };
    let mut runs = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut runs = work();
        for other in others {
            runs.extend(other.join().expect("a worker thread panicked"));
        }
        runs
    });
    runs.sort_by_key(|(start, _)| *start);
    runs.into_iter().map(|(_, results)| results).collect()
}

/// `a` here and `b` on a second thread, at once; both results.
pub fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let a = a();
        (a, other.join().expect("a worker thread panicked"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_input_order_whatever_thread_made_them() {
        let items: Vec<usize> = (0..10_000).collect();
        for threads in [1, 2, 3] {
            let out = super::map(&items, threads, 16, |i, seen: &mut usize| {
                *seen += 1;
                i * 2
            });
            let out: Vec<usize> = out.into_iter().flatten().collect();
            assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }
}
