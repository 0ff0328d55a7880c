//! Work split across the machine's cores, results kept in input order.
//!
//! The append checks and encodes its facts and packs its segments here, and the
//! audit prepares its entries here: each item's work depends on that item alone,
//! so the items are cut into one contiguous part per core, each part is mapped on
//! a scoped thread, and the parts are joined back in order. Below `min_items`
//! items (or on a single core) the map runs on the calling thread: starting a
//! thread costs tens of microseconds, more than a single append's whole check.
//! [`Background`] runs such a map while the caller goes on with other work,
//! [`join`] runs two different jobs side by side, and [`free_in_background`]
//! lets a large value go without waiting for it to be freed.

/// How many cores this process may use, asked once: on Linux the standard
/// library reads cgroup files to answer, which is not work for every append.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many threads to use for `len` items.
fn workers(len: usize, min_items: usize) -> usize {
    if len < min_items.max(2) {
        return 1;
    }
    cores().min(len)
}

/// `items.iter().map(f).collect()`, on every core when there are at least
/// `min_items` items.
pub fn map<T, R, F>(items: &[T], min_items: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    in_parts(items, min_items, |part| part.iter().map(&f).collect())
}

/// `f` of each of the contiguous parts `items` is cut into, one per core
/// (one part, on the calling thread, below `min_items` items), in order:
/// for work that keeps a buffer per part rather than a value per item.
pub fn map_parts<T, R, F>(items: &[T], min_items: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    in_parts(items, min_items, |part| vec![f(part)])
}

/// `items` cut into one contiguous part per core (one part, on the calling
/// thread, below `min_items` items), `f` of each part on a scoped thread of
/// its own, and their results joined in order.
fn in_parts<T, R, F>(items: &[T], min_items: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> Vec<R> + Sync,
{
    let workers = workers(items.len(), min_items);
    if workers < 2 {
        return f(items);
    }
    let per = items.len().div_ceil(workers);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        join_in_order(handles)
    })
}

/// `items.into_iter().map(f).collect()`, on every core when there are at least
/// `min_items` items. Each item is consumed (and dropped) on the thread that maps it.
pub fn map_owned<T, R, F>(mut items: Vec<T>, min_items: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let workers = workers(items.len(), min_items);
    if workers < 2 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(workers);
    let mut parts = Vec::with_capacity(workers);
    while items.len() > per {
        let tail = items.split_off(items.len() - per);
        parts.push(tail);
    }
    parts.push(items);
    parts.reverse();
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        join_in_order(handles)
    })
}

/// `items.iter().map(f).collect()` for a few items of very unequal cost (the
/// seven views of a replay): every core takes the next item not yet taken, so
/// one long item does not hold up a whole part of the list.
pub fn map_balanced<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let workers = workers(items.len(), 2);
    if workers < 2 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (next, f) = (&next, &f);
    let taken: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(at) else {
                            return done;
                        };
                        done.push((at, f(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    let mut all: Vec<(usize, R)> = taken.into_iter().flatten().collect();
    all.sort_by_key(|(at, _)| *at);
    all.into_iter().map(|(_, r)| r).collect()
}

/// `(a(), b())`, the two side by side when there are two cores: `b` on a
/// scoped thread, `a` on the caller's. A panic in `b` is resumed here.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    if cores() < 2 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let first = a();
        match other.join() {
            Ok(second) => (first, second),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A [`map_owned`] running on other threads while the caller goes on (reading
/// the next batch, checking the one before); [`Background::join`] waits for it.
pub struct Background<R>(std::thread::JoinHandle<Vec<R>>);

impl<R: Send + 'static> Background<R> {
    /// Starts mapping `items` on other threads.
    pub fn map_owned<T, F>(items: Vec<T>, min_items: usize, f: F) -> Background<R>
    where
        T: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        Background(std::thread::spawn(move || map_owned(items, min_items, f)))
    }

    /// The results, in input order; a panic in the map is resumed here.
    pub fn join(self) -> Vec<R> {
        match self.0.join() {
            Ok(results) => results,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The results of every part, in the order the parts were spawned, joined
/// into the first part's vector, which is not copied (a million combined
/// incidents are 271 MB, round 21); a panic in a part is resumed on the
/// caller.
fn join_in_order<R>(handles: Vec<std::thread::ScopedJoinHandle<'_, Vec<R>>>) -> Vec<R> {
    let mut parts = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.join() {
            Ok(part) => parts.push(part),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    let total: usize = parts.iter().map(Vec::len).sum();
    let mut parts = parts.into_iter();
    let mut out = parts.next().unwrap_or_default();
    out.reserve_exact(total - out.len());
    for part in parts {
        out.extend(part);
    }
    out
}

/// Drops `value` on a thread of its own, so that the caller does not wait
/// for it to be freed: a million-fact picture takes over a second to free
/// (docs/performance.md, round 14), which a command that is about to exit
/// need not pay. Where no thread can be started, `value` is dropped here.
pub fn free_in_background<T: Send + 'static>(value: T) {
    // On failure `spawn` drops the closure, and with it `value`.
    let _ = std::thread::Builder::new()
        .name("free".to_owned())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_both_results_in_order() {
        let words = ["a", "b"];
        let (first, second) = join(|| words[0].repeat(2), || words[1].repeat(3));
        assert_eq!((first.as_str(), second.as_str()), ("aa", "bbb"));
    }

    #[test]
    fn map_keeps_the_input_order_at_every_size() {
        for len in [0, 1, 2, 3, 7, 64, 1000, 1001] {
            let items: Vec<u64> = (0..len).collect();
            let doubled: Vec<u64> = items.iter().map(|x| x * 2).collect();
            assert_eq!(map(&items, 2, |x| x * 2), doubled, "map, {len} items");
            assert_eq!(
                map_owned(items.clone(), 2, |x| x * 2),
                doubled,
                "map_owned, {len} items"
            );
            let parts = map_parts(&items, 2, <[u64]>::to_vec);
            assert_eq!(parts.concat(), items, "map_parts, {len} items");
            assert!(parts.len() <= cores().max(1), "one part per core at most");
        }
    }

    #[test]
    fn few_items_stay_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let threads = map(&[1, 2, 3], 4, |_| std::thread::current().id());
        assert!(threads.iter().all(|t| *t == caller));
    }

    #[test]
    fn many_items_use_more_than_one_thread_where_there_are_cores() {
        let cores = cores();
        let threads = map_owned((0..1000).collect::<Vec<u32>>(), 2, |_| {
            std::thread::current().id()
        });
        let mut distinct = threads.clone();
        distinct.sort_by_key(|t| format!("{t:?}"));
        distinct.dedup();
        if cores >= 2 {
            assert_eq!(distinct.len(), cores.min(1000));
        } else {
            assert_eq!(distinct.len(), 1);
        }
    }

    #[test]
    fn a_balanced_map_keeps_the_input_order() {
        for len in [0, 1, 2, 7, 100] {
            let items: Vec<u64> = (0..len).collect();
            let squares: Vec<u64> = items.iter().map(|x| x * x).collect();
            assert_eq!(map_balanced(&items, |x| x * x), squares, "{len} items");
        }
    }

    #[test]
    fn a_background_map_gives_its_results_in_order() {
        let items: Vec<u32> = (0..500).collect();
        let running = Background::map_owned(items, 2, |x| x + 1);
        assert_eq!(running.join(), (1..501).collect::<Vec<u32>>());
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_in_a_part_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        map(&items, 2, |x| {
            assert!(*x != 77, "boom");
            *x
        });
    }

    /// A value let go in the background is dropped, on another thread.
    #[test]
    fn a_value_freed_in_the_background_is_dropped() {
        struct Tell(std::sync::mpsc::Sender<std::thread::ThreadId>);
        impl Drop for Tell {
            fn drop(&mut self) {
                let _ = self.0.send(std::thread::current().id());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        free_in_background(Tell(tx));
        let dropped_on = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("dropped");
        assert_ne!(dropped_on, std::thread::current().id());
    }
}
