//! What the APIs changed (private): backups created and deleted through `CreateBackup`,
//! `CreateManualBackup`, `DeleteBackup` and the like. The catalog itself never changes; an
//! instance with changes is listed from a materialized list, the others from the catalog's
//! fast paths.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::Provider;
use crate::catalog::{Backup, Instance, created_backup};
use crate::state::State;

/// The changes of every instance.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    instances: HashMap<(Provider, String), InstanceChanges>,
    next_job: u64,
}

#[derive(Debug, Default)]
struct InstanceChanges {
    created: Vec<Created>,
    deleted: HashSet<String>,
}

/// A backup created through the API.
#[derive(Clone, Debug)]
pub(crate) struct Created {
    pub(crate) seq: u64,
    pub(crate) start: OffsetDateTime,
    pub(crate) job_id: u64,
    pub(crate) backup_id: String,
}

/// Why a delete was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeleteRefused {
    /// No such backup (or already deleted).
    NotFound,
    /// Only manual backups can be deleted (Huawei Cloud).
    NotManual,
    /// Still being made.
    Running,
}

impl Changes {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `instance` has any change.
    pub(crate) fn changed(&self, instance: &Instance) -> bool {
        self.lock()
            .instances
            .get(&(instance.service, instance.id.clone()))
            .is_some_and(|changes| !changes.created.is_empty() || !changes.deleted.is_empty())
    }

    /// Creates a manual backup of `instance` at `now`.
    pub(crate) fn create(&self, instance: &Instance, now: OffsetDateTime) -> Created {
        let mut inner = self.lock();
        inner.next_job += 1;
        let job_id = 7_000_000 + inner.next_job;
        let changes = inner
            .instances
            .entry((instance.service, instance.id.clone()))
            .or_default();
        let seq = (instance.count + changes.created.len()) as u64;
        let backup_id = created_backup(instance, seq, now).id;
        let created = Created {
            seq,
            start: now,
            job_id,
            backup_id,
        };
        changes.created.push(created.clone());
        created
    }

    /// The backups created on `instance`, newest first, with those not finished at `now`.
    pub(crate) fn created(&self, instance: &Instance) -> Vec<Created> {
        let inner = self.lock();
        let mut created: Vec<Created> = inner
            .instances
            .get(&(instance.service, instance.id.clone()))
            .map(|changes| changes.created.clone())
            .unwrap_or_default();
        created.reverse();
        created
    }

    /// Whether backup `id` of `instance` was deleted.
    pub(crate) fn deleted(&self, instance: &Instance, id: &str) -> bool {
        self.lock()
            .instances
            .get(&(instance.service, instance.id.clone()))
            .is_some_and(|changes| changes.deleted.contains(id))
    }

    fn mark_deleted(&self, instance: &Instance, id: &str) {
        self.lock()
            .instances
            .entry((instance.service, instance.id.clone()))
            .or_default()
            .deleted
            .insert(id.to_owned());
    }
}

/// The backups of `instance` a listing shows at `now`, newest first: those created and
/// finished, then the catalog's, without the deleted ones. Materialized: call it only for an
/// instance that [changed](Changes::changed).
pub(crate) fn backups<'a>(state: &State, instance: &'a Instance) -> Vec<Backup<'a>> {
    let now = state.now();
    let changes = &state.changes;
    let created = changes
        .created(instance)
        .into_iter()
        .map(|c| created_backup(instance, c.seq, c.start))
        .filter(|b| b.end <= now);
    created
        .chain(state.catalog.backups(instance))
        .filter(|b| !changes.deleted(instance, &b.id))
        .collect()
}

/// The backups of `instance` a listing shows, newest first: [`backups`] when it changed,
/// else the catalog's own (generated as they are consumed).
pub(crate) fn all<'a>(
    state: &'a State,
    instance: &'a Instance,
) -> Box<dyn Iterator<Item = Backup<'a>> + 'a> {
    if state.changes.changed(instance) {
        Box::new(backups(state, instance).into_iter())
    } else {
        Box::new(state.catalog.backups(instance))
    }
}

/// Backup `id` of `instance` as the APIs and downloads see it at `now`: not deleted, and, if
/// created through the API, finished.
pub(crate) fn find<'a>(state: &State, instance: &'a Instance, id: &str) -> Option<Backup<'a>> {
    if state.changes.deleted(instance, id) {
        return None;
    }
    if let Some(backup) = state.catalog.find_in(instance, id) {
        return Some(backup);
    }
    if let Some(log) = state.catalog.find_log(instance, id, state.now()) {
        return Some(log);
    }
    let now = state.now();
    state
        .changes
        .created(instance)
        .into_iter()
        .find(|c| c.backup_id == id)
        .map(|c| created_backup(instance, c.seq, c.start))
        .filter(|b| b.end <= now)
}

/// Backup `id` of any instance of `service` (see [`find`]).
pub(crate) fn find_in_service<'a>(
    state: &'a State,
    service: Provider,
    id: &str,
) -> Option<Backup<'a>> {
    state
        .catalog
        .instances()
        .filter(|i| i.service == service)
        .find_map(|instance| find(state, instance, id))
}

/// Deletes backup `id` of `instance`: refused when it does not exist, when `manual_only`
/// and it is an automated one, and while it is being made.
pub(crate) fn delete(
    state: &State,
    instance: &Instance,
    id: &str,
    manual_only: bool,
) -> Result<(), DeleteRefused> {
    let now = state.now();
    if let Some(created) = state
        .changes
        .created(instance)
        .into_iter()
        .find(|c| c.backup_id == id)
    {
        if state.changes.deleted(instance, id) {
            return Err(DeleteRefused::NotFound);
        }
        if created_backup(instance, created.seq, created.start).end > now {
            return Err(DeleteRefused::Running);
        }
        state.changes.mark_deleted(instance, id);
        return Ok(());
    }
    let Some(backup) = find(state, instance, id) else {
        return Err(DeleteRefused::NotFound);
    };
    if manual_only && !backup.manual {
        return Err(DeleteRefused::NotManual);
    }
    state.changes.mark_deleted(instance, id);
    Ok(())
}
