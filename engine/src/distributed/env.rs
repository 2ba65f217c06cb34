//! Where a launched process learns its place: torchrun's variables
//! (`RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `LOCAL_WORLD_SIZE`) derived from
//! the MPI launcher's own (Open MPI's `OMPI_COMM_WORLD_*`, MPICH/Hydra's
//! `PMI_*`), so a torchrun-style script reads `os.environ["LOCAL_RANK"]`
//! unchanged under `mpirun`. Reads the environment only; needs no MPI.

/// One process's place in a launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchEnv {
    pub rank: usize,
    pub world_size: usize,
    /// Rank among the processes on this machine (picks the GPU).
    pub local_rank: usize,
    pub local_world_size: usize,
}

fn var(names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok()?.trim().parse().ok())
}

/// The launch this process is part of: torchrun's variables when set,
/// else Open MPI's, else MPICH's; `None` when started alone.
pub fn launch_env() -> Option<LaunchEnv> {
    let rank = var(&["RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK"])?;
    let world_size = var(&["WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE"])?;
    let local_rank = var(&[
        "LOCAL_RANK",
        "OMPI_COMM_WORLD_LOCAL_RANK",
        "MPI_LOCALRANKID",
    ])
    .unwrap_or(0);
    let local_world_size = var(&[
        "LOCAL_WORLD_SIZE",
        "OMPI_COMM_WORLD_LOCAL_SIZE",
        "MPI_LOCALNRANKS",
    ])
    .unwrap_or(1);
    Some(LaunchEnv {
        rank,
        world_size,
        local_rank,
        local_world_size,
    })
}

/// Sets `RANK`, `WORLD_SIZE`, `LOCAL_RANK` and `LOCAL_WORLD_SIZE` in this
/// process's environment from the launcher's variables, as torchrun does,
/// and returns them (variables already set are kept). Call it at startup,
/// before other threads read the environment.
pub fn set_torchrun_env() -> Option<LaunchEnv> {
    let e = launch_env()?;
    for (k, v) in [
        ("RANK", e.rank),
        ("WORLD_SIZE", e.world_size),
        ("LOCAL_RANK", e.local_rank),
        ("LOCAL_WORLD_SIZE", e.local_world_size),
    ] {
        if std::env::var_os(k).is_none() {
            std::env::set_var(k, v.to_string());
        }
    }
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test touches the process environment, in sequence.
    #[test]
    fn torchrun_variables_come_from_open_mpis() {
        for k in [
            "RANK",
            "WORLD_SIZE",
            "LOCAL_RANK",
            "LOCAL_WORLD_SIZE",
            "PMI_RANK",
            "PMI_SIZE",
        ] {
            std::env::remove_var(k);
        }
        std::env::remove_var("OMPI_COMM_WORLD_RANK");
        assert_eq!(launch_env(), None);
        std::env::set_var("OMPI_COMM_WORLD_RANK", "3");
        std::env::set_var("OMPI_COMM_WORLD_SIZE", "4");
        std::env::set_var("OMPI_COMM_WORLD_LOCAL_RANK", "1");
        std::env::set_var("OMPI_COMM_WORLD_LOCAL_SIZE", "2");
        let e = set_torchrun_env().unwrap();
        assert_eq!(
            e,
            LaunchEnv {
                rank: 3,
                world_size: 4,
                local_rank: 1,
                local_world_size: 2
            }
        );
        assert_eq!(std::env::var("RANK").unwrap(), "3");
        assert_eq!(std::env::var("LOCAL_RANK").unwrap(), "1");
        assert_eq!(std::env::var("WORLD_SIZE").unwrap(), "4");
        for k in [
            "RANK",
            "WORLD_SIZE",
            "LOCAL_RANK",
            "LOCAL_WORLD_SIZE",
            "OMPI_COMM_WORLD_RANK",
            "OMPI_COMM_WORLD_SIZE",
            "OMPI_COMM_WORLD_LOCAL_RANK",
            "OMPI_COMM_WORLD_LOCAL_SIZE",
        ] {
            std::env::remove_var(k);
        }
    }
}
