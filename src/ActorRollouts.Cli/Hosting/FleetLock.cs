using ActorRollouts.Actors.Storage;
namespace ActorRollouts.Cli.Hosting;

/// <summary>One live process per fleet: an exclusive OS lock (flock, which .NET takes for a file opened with
/// <see cref="FileShare.None"/>) on <c>fleets/&lt;id&gt;/lock</c>, held for as long as the process runs the fleet. The kernel
/// releases it when the process ends however it ends, <c>kill -9</c> included, so nothing is left to clean up; the pid of
/// the holder is written beside it (<c>run.pid</c>) so a refused process can say who holds it. With a PostgreSQL journal
/// the fleet's <see cref="SharedFleetLock"/> is taken too, which processes on other data dirs and machines see.</summary>
public sealed class FleetLock : IDisposable
{
    /// <summary>A reader probing the lock (<see cref="IsHeld"/>) holds it shared for an instant; an acquirer that finds
    /// it taken tries again this long before it gives up.</summary>
    private static readonly TimeSpan ProbeTolerance = TimeSpan.FromMilliseconds(300);

    private readonly FileStream _stream;
    private readonly string _pidFile;
    private SharedFleetLock? _shared;

    private FleetLock(FileStream stream, string pidFile)
    {
        _stream = stream;
        _pidFile = pidFile;
    }

    /// <summary>Takes the fleet's locks (the data dir's, and the shared journal's if it has one), or throws
    /// <see cref="UsageException"/> naming the process that holds one.</summary>
    /// <param name="shared">False for a cluster submitter: the node that supervises the fleet holds the shared lock.</param>
    public static async Task<FleetLock> AcquireAsync(FleetPaths paths, JournalLocation journal, bool shared = true)
    {
        var local = await AcquireAsync(paths);
        try
        {
            if (shared) local._shared = journal.AcquireSharedLock(paths.FleetId);
            return local;
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    /// <summary>Takes the data dir's lock of the fleet, or throws <see cref="UsageException"/> naming the process that holds it.</summary>
    public static async Task<FleetLock> AcquireAsync(FleetPaths paths)
    {
        Directory.CreateDirectory(paths.FleetDir);
        var deadline = DateTime.UtcNow + ProbeTolerance;
        while (true)
        {
            try
            {
                var stream = new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                File.WriteAllText(paths.PidFile, $"{Environment.ProcessId}\n");
                return new FleetLock(stream, paths.PidFile);
            }
            catch (IOException) when (File.Exists(paths.LockFile))
            {
                if (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                    continue;
                }
                throw new UsageException(Describe(paths));
            }
        }
    }

    /// <summary>Whether some process holds the fleet's lock right now (it is running the fleet).</summary>
    public static bool IsHeld(FleetPaths paths)
    {
        try
        {
            using var probe = new FileStream(paths.LockFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string Describe(FleetPaths paths)
    {
        var pid = File.Exists(paths.PidFile) && int.TryParse(File.ReadAllText(paths.PidFile).Trim(), out var p) ? p : (int?)null;
        var command = pid is { } holder && File.Exists($"/proc/{holder}/cmdline")
            ? $" ({File.ReadAllText($"/proc/{holder}/cmdline").Replace('\0', ' ').Trim()})"
            : "";
        var who = pid is null ? "another process" : $"process {pid}{command}";
        return $"fleet '{paths.FleetId}' is already running in {who}. Wait for it to end, or stop it " +
               $"({(pid is null ? "kill it" : $"kill {pid}")}) and resume: one process runs a fleet at a time.";
    }

    public void Dispose()
    {
        _shared?.Dispose();
        try
        {
            File.Delete(_pidFile);
        }
        finally
        {
            _stream.Dispose(); // releases the lock; the lock file itself stays (deleting it would race a new holder)
        }
    }
}
