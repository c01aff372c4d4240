using System.Collections.Concurrent;
using System.Diagnostics;
using Process = System.Diagnostics.Process;
using System.Net;
using System.Net.Sockets;

namespace ActorRollouts.Cli.Tests.Cluster;

/// <summary>Real <c>actor-rollouts node</c> processes on 127.0.0.1 sharing one PostgreSQL journal, each with its own data
/// dir (nodes share no files). The split-brain resolver decides after 3 s instead of 20 s, so a lost node's sessions move
/// within seconds; the submitters get the same configuration.</summary>
public sealed class RolloutCluster : IAsyncDisposable
{
    private readonly List<NodeProcess> _nodes = [];
    private readonly CancellationTokenSource _disposed = new();
    private readonly int[] _ports;

    public string JournalUrl { get; }
    public string Config { get; }
    public string Root { get; }

    /// <summary>Every node's address, running or not: any live one lets a member join.</summary>
    public string Seeds => string.Join(',', _ports.Select(p => $"127.0.0.1:{p}"));

    private RolloutCluster(int capacity)
    {
        Root = Cli.NewTempDir();
        JournalUrl = PostgresServer.Instance.NewDatabaseUrl();
        Config = Path.Combine(Root, "cluster.conf");
        // A 2 s gate window keeps the rate-limit test short (--rpm 240 then admits 8 requests per 2 s).
        File.WriteAllText(Config, "akka.cluster.split-brain-resolver.stable-after = 3s\nactor-rollouts.gate.window = 2s\n");
        _ports = [.. Enumerable.Range(0, capacity).Select(_ => FreePort())];
    }

    /// <summary>Starts <paramref name="nodes"/> nodes (room for <paramref name="capacity"/>) and waits until each is up.</summary>
    public static async Task<RolloutCluster> StartAsync(int nodes, int capacity = 3)
    {
        var cluster = new RolloutCluster(capacity);
        for (var i = 0; i < nodes; i++) cluster.StartNode();
        await Task.WhenAll(cluster._nodes.Select(n => n.Up));
        return cluster;
    }

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    /// <summary>The next node, started without waiting for it to be up.</summary>
    public NodeProcess StartNode()
    {
        var index = _nodes.Count;
        var node = new NodeProcess(index, _ports[index], Path.Combine(Root, $"node{index}"),
            ["node", "--journal-url", JournalUrl, "--port", _ports[index].ToString(), "--seeds", Seeds, "--data-dir", Path.Combine(Root, $"node{index}"), "--config", Config]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>The options that make <c>run</c>/<c>resume</c> a submitter to this cluster.</summary>
    public string[] SubmitterOptions(string dataDir) => ["--journal-url", JournalUrl, "--seeds", Seeds, "--data-dir", dataDir, "--config", Config];

    /// <summary>Runs the CLI with <paramref name="args"/>; a test that ends without waiting for it (it failed) kills it with
    /// the cluster, so no submitter outlives its test.</summary>
    public Task<CliResult> RunAsync(string[] args) => Cli.RunAsync(args, timeout: TimeSpan.FromMinutes(4), abandon: _disposed.Token);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        foreach (var node in _nodes) node.Kill();
        foreach (var node in _nodes) await node.Process.WaitForExitAsync();
    }
}

/// <summary>One node process: its stderr lines as they come, and <see cref="Up"/> once it says it hosts sessions.</summary>
public sealed class NodeProcess
{
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _stderr = new();

    public int Index { get; }
    public string Address { get; }
    public string DataDir { get; }
    public Process Process { get; }

    public Task Up => _up.Task.WaitAsync(TimeSpan.FromSeconds(60));

    public string Stderr => string.Join('\n', _stderr);

    public NodeProcess(int index, int port, string dataDir, string[] args)
    {
        (Index, Address, DataDir) = (index, $"127.0.0.1:{port}", dataDir);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Cli.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process = new Process { StartInfo = start };
        Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _stderr.Enqueue(e.Data);
            if (e.Data.Contains(": up; hosting sessions")) _up.TrySetResult();
        };
        Process.OutputDataReceived += (_, _) => { };
        Process.Start();
        Process.BeginErrorReadLine();
        Process.BeginOutputReadLine();
        Process.StandardInput.Close();
        Process.Exited += (_, _) => _up.TrySetException(new InvalidOperationException($"node {index} exited before it was up:\n{Stderr}"));
        Process.EnableRaisingEvents = true;
    }

    /// <summary>True once this node's log says the fleet's supervisor runs here.</summary>
    public bool SupervisesFleet(string fleetId)
    {
        var log = Path.Combine(DataDir, "logs", "actor-rollouts.log");
        if (!File.Exists(log)) return false;
        using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        return reader.ReadToEnd().Contains($"Fleet {fleetId} is supervised on this node");
    }

    /// <summary>The session folders this node made (<c>&lt;task&gt;-&lt;sample&gt;</c>) for a fleet.</summary>
    public IReadOnlyList<string> SessionFolders(string fleetId)
    {
        var dir = Path.Combine(DataDir, "workspaces", fleetId);
        return Directory.Exists(dir) ? [.. Directory.GetDirectories(dir).Select(Path.GetFileName)!] : [];
    }

    public void Kill()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
    }

    /// <summary>SIGTERM, as a service manager stops a node.</summary>
    public async Task TerminateAsync()
    {
        using var term = Process.Start("kill", ["-TERM", Process.Id.ToString()]);
        await term.WaitForExitAsync();
    }
}
