using System.Diagnostics;

namespace ActorRollouts.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the real <c>actor-rollouts</c> binary as a separate process, as a user would.</summary>
public static class Cli
{
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string Binary => Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll");

    public static async Task<CliResult> RunAsync(string[] args, string? workingDirectory = null,
        IDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? stdin = null, CancellationToken abandon = default)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Binary);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(abandon);
        cancel.CancelAfter(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // timed out, or the test that started it ended (it failed) without waiting
            if (abandon.IsCancellationRequested) throw;
            throw new TimeoutException($"actor-rollouts {string.Join(' ', args)} did not finish in time.\n{await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the CLI without waiting, for tests that kill it part-way.</summary>
    public static Process Start(string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Binary);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        _ = process.StandardOutput.ReadToEndAsync(); // drain, so the child never blocks on a full pipe
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    /// <summary>A session's workspace as the journal describes it, written by the real <c>workspace</c> command.</summary>
    public static async Task<string> WorkspaceAsync(string dataDir, string sessionId, long? at = null, string? journalUrl = null)
    {
        var outDir = Path.Combine(NewTempDir(), "workspace");
        var result = await RunAsync(["workspace", sessionId, "--data-dir", dataDir, "--out", outDir, .. at is { } seq ? (string[])["--at", seq.ToString()] : [],
            .. journalUrl is null ? (string[])[] : ["--journal-url", journalUrl]]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"workspace {sessionId} failed: {result}");
        return outDir;
    }

    /// <summary>What the session itself changed (its overlay's upper folder), without rebuilding anything.</summary>
    public static string Changes(string dataDir, string fleetId, string sessionFolder) =>
        Path.Combine(dataDir, "workspaces", fleetId, sessionFolder, "upper");

    /// <summary>The journal options of a test that runs on either journal: <c>sqlite</c> (the data dir's file) or
    /// <c>postgres</c> (a fresh database on the tests' PostgreSQL server, the data dir beside it).</summary>
    public static string[] Journal(string kind, string dataDir) => kind switch
    {
        "sqlite" => ["--data-dir", dataDir],
        "postgres" => ["--data-dir", dataDir, "--journal-url", PostgresServer.Instance.NewDatabaseUrl()],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite or postgres"),
    };

    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ar-cli-tests", Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorRollouts.sln"))) return dir.FullName;
        throw new InvalidOperationException("ActorRollouts.sln not found above " + AppContext.BaseDirectory);
    }
}
