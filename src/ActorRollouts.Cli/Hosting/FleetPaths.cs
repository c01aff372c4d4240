namespace ActorRollouts.Cli.Hosting;

/// <summary>Where a fleet's files live under the data dir, and the marker saying a process is running it.</summary>
public sealed record FleetPaths(string DataDir, string FleetId)
{
    public string FleetDir => Path.Combine(DataDir, "fleets", FleetId);
    public string DefaultTrajectories => Path.Combine(FleetDir, "trajectories.jsonl");
    public string RunMarker => Path.Combine(FleetDir, "run.pid");
    public string WorkspacesDir => Path.Combine(DataDir, "workspaces");

    /// <summary>True while a live process holds the fleet's run marker. A marker left by a killed process (its pid gone,
    /// a zombie nobody reaped, or the pid reused by another program) does not count: its sessions show as interrupted.</summary>
    public bool RunIsActive()
    {
        if (!File.Exists(RunMarker) || !int.TryParse(File.ReadAllText(RunMarker).Trim(), out var pid)) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && File.ReadAllText($"/proc/{pid}/cmdline").Contains("actor-rollouts", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // no such process
        }
    }

    public IDisposable HoldRunMarker()
    {
        Directory.CreateDirectory(FleetDir);
        File.WriteAllText(RunMarker, Environment.ProcessId.ToString());
        return new Marker(RunMarker);
    }

    private sealed class Marker(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
