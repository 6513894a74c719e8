//! Sets of event types: what a subscriber (or the handles) wants, so frames
//! of other types are never decoded.

use std::fmt;
use std::marker::PhantomData;

use super::EventKind;

/// A set of event types of one version module (its `EventType`), for
/// [`Subscription::only_types`](super::Subscription::only_types).
///
/// ```
/// # #[cfg(feature = "asterisk-22")] {
/// use ari_sdk::stream::TypeSet;
/// use ari_sdk::v22::EventType;
///
/// let calls: TypeSet<EventType> = [EventType::StasisStart, EventType::StasisEnd].into_iter().collect();
/// assert!(calls.contains(EventType::StasisEnd));
/// assert!(!calls.contains(EventType::ChannelVarset));
/// # }
/// ```
pub struct TypeSet<K> {
    /// One bit per [`EventKind::index`].
    bits: Box<[u64]>,
    kind: PhantomData<fn() -> K>,
}

impl<K: EventKind> TypeSet<K> {
    fn words() -> usize {
        K::COUNT.div_ceil(64)
    }

    /// No type.
    pub fn none() -> Self {
        TypeSet {
            bits: vec![0; Self::words()].into_boxed_slice(),
            kind: PhantomData,
        }
    }

    /// Every type, the unknown ones included.
    pub fn all() -> Self {
        let mut set = Self::none();
        for index in 0..K::COUNT {
            set.bits[index / 64] |= 1 << (index % 64);
        }
        set
    }

    /// Adds `kind`.
    pub fn insert(&mut self, kind: K) {
        let index = kind.index();
        if let Some(word) = self.bits.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    /// True when `kind` is in the set.
    #[inline]
    pub fn contains(&self, kind: K) -> bool {
        let index = kind.index();
        self.bits
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// Adds every type of `other`.
    pub fn extend_from(&mut self, other: &TypeSet<K>) {
        for (word, theirs) in self.bits.iter_mut().zip(other.bits.iter()) {
            *word |= theirs;
        }
    }

    /// True when no type is in the set.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|word| *word == 0)
    }

    /// True when every type is in the set.
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }
}

impl<K: EventKind> FromIterator<K> for TypeSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut set = Self::none();
        for kind in iter {
            set.insert(kind);
        }
        set
    }
}

impl<K> Clone for TypeSet<K> {
    fn clone(&self) -> Self {
        TypeSet {
            bits: self.bits.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> PartialEq for TypeSet<K> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<K> Eq for TypeSet<K> {}

impl<K: EventKind> fmt::Debug for TypeSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count: u32 = self.bits.iter().map(|word| word.count_ones()).sum();
        f.debug_struct("TypeSet")
            .field("types", &count)
            .field("of", &K::COUNT)
            .finish()
    }
}
