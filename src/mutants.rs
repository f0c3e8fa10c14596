//! Deliberately broken protocol variants ("mutants"), selectable with
//! `--inject-bug NAME`, to show that the exactly-once oracle and the
//! invariants catch broken protocols. The simulator consults the injected bug
//! at the one place each protocol step lives; nothing else changes.

use std::fmt;
use std::str::FromStr;

/// A protocol bug the simulator can be told to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bug {
    /// Exactly-once mode without blocking channels during alignment.
    NoAlignment,
    /// The two-phase-commit sink commits at pre-commit instead of on notify-complete.
    CommitBeforeComplete,
    /// Recovery restores the latest triggered checkpoint, even one that never completed.
    RestoreLatestTriggered,
    /// Sources resume from where they were instead of the checkpointed offsets.
    NoSourceRewind,
    /// Staged and pre-committed sink transactions of aborted epochs survive a failover.
    NoSinkAbort,
    /// Operators restart with empty state.
    NoStateRestore,
    /// Tasks acknowledge before their state upload has finished.
    AckBeforeUpload,
    /// Recovery from a changelog snapshot restores the materialisation only, without replaying the log.
    ChangelogNoReplay,
    /// Unaligned checkpoints do not persist the in-flight data the barriers overtook.
    UnalignedNoChannelState,
    /// Recovery from an unaligned checkpoint does not replay the persisted in-flight data.
    UnalignedNoChannelRestore,
    /// Recovery from an incremental checkpoint fetches only its own new files, not
    /// the shared files of earlier checkpoints it builds on.
    IncrementalMissingBase,
}

impl Bug {
    /// Every mutant, in a stable order.
    pub const ALL: [Bug; 11] = [
        Bug::NoAlignment,
        Bug::CommitBeforeComplete,
        Bug::RestoreLatestTriggered,
        Bug::NoSourceRewind,
        Bug::NoSinkAbort,
        Bug::NoStateRestore,
        Bug::AckBeforeUpload,
        Bug::UnalignedNoChannelState,
        Bug::UnalignedNoChannelRestore,
        Bug::IncrementalMissingBase,
        Bug::ChangelogNoReplay,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::NoAlignment => "no-alignment",
            Bug::CommitBeforeComplete => "commit-before-complete",
            Bug::RestoreLatestTriggered => "restore-latest-triggered",
            Bug::NoSourceRewind => "no-source-rewind",
            Bug::NoSinkAbort => "no-sink-abort",
            Bug::NoStateRestore => "no-state-restore",
            Bug::AckBeforeUpload => "ack-before-upload",
            Bug::ChangelogNoReplay => "changelog-no-replay",
            Bug::UnalignedNoChannelState => "unaligned-no-channel-state",
            Bug::UnalignedNoChannelRestore => "unaligned-no-channel-restore",
            Bug::IncrementalMissingBase => "incremental-missing-base",
        }
    }

    /// One line saying what the mutant breaks.
    pub fn description(self) -> &'static str {
        match self {
            Bug::NoAlignment => {
                "exactly-once mode without blocking channels: records after a barrier enter the snapshot"
            }
            Bug::CommitBeforeComplete => {
                "the two-phase-commit sink commits at pre-commit, before the checkpoint completes"
            }
            Bug::RestoreLatestTriggered => {
                "recovery restores the latest triggered checkpoint even if it never completed"
            }
            Bug::NoSourceRewind => "sources do not rewind to the checkpointed offsets on recovery",
            Bug::NoSinkAbort => {
                "staged output of aborted epochs survives a failover and is committed later"
            }
            Bug::NoStateRestore => "operators restart with empty state",
            Bug::AckBeforeUpload => "tasks acknowledge before their state upload has finished",
            Bug::ChangelogNoReplay => {
                "recovery from a changelog snapshot restores the materialisation only, without replaying the log"
            }
            Bug::UnalignedNoChannelState => {
                "unaligned checkpoints do not persist the in-flight data their barriers overtook"
            }
            Bug::UnalignedNoChannelRestore => {
                "recovery from an unaligned checkpoint does not replay the persisted in-flight data"
            }
            Bug::IncrementalMissingBase => {
                "recovery from an incremental checkpoint restores only its new files, without the shared files of earlier checkpoints"
            }
        }
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bug {
    type Err = String;
    fn from_str(s: &str) -> Result<Bug, String> {
        Bug::ALL.into_iter().find(|b| b.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Bug::ALL.iter().map(|b| b.name()).collect();
            format!(
                "unknown bug \"{s}\"; choose one of: {} (see `ckptsim check --list-bugs`)",
                names.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for b in Bug::ALL {
            assert_eq!(b.name().parse::<Bug>(), Ok(b));
        }
        let e = "no-such-bug".parse::<Bug>().unwrap_err();
        assert!(
            e.contains("no-alignment") && e.contains("ack-before-upload"),
            "{e}"
        );
    }
}
