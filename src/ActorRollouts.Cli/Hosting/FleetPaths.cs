namespace ActorRollouts.Cli.Hosting;

/// <summary>Where a fleet's files live under the data dir.</summary>
public sealed record FleetPaths(string DataDir, string FleetId)
{
    public string FleetDir => Path.Combine(DataDir, "fleets", FleetId);
    public string DefaultTrajectories => Path.Combine(FleetDir, "trajectories.jsonl");
    public string WorkspacesDir => Path.Combine(DataDir, "workspaces");

    /// <summary>Captured templates, <c>templates/&lt;hash&gt;</c>, shared by every fleet of the data dir.</summary>
    public string TemplatesDir => Path.Combine(DataDir, "templates");

    /// <summary>Unpacked container images, <c>images/sha256-&lt;hex&gt;</c>, shared by every fleet of the data dir.</summary>
    public string ImagesDir => Path.Combine(DataDir, "images");

    /// <summary>Large file contents the journal references by hash.</summary>
    public string BlobsDir => Path.Combine(DataDir, "blobs");

    /// <summary>The file whose exclusive lock says a process is running the fleet (<see cref="FleetLock"/>).</summary>
    public string LockFile => Path.Combine(FleetDir, "lock");

    /// <summary>The pid of the process holding <see cref="LockFile"/>, for messages.</summary>
    public string PidFile => Path.Combine(FleetDir, "run.pid");

    /// <summary>True while a live process holds the fleet's lock.</summary>
    public bool RunIsActive() => FleetLock.IsHeld(this);
}
