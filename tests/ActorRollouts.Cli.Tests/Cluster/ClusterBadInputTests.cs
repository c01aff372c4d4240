using System.Net;
using System.Net.Sockets;

namespace ActorRollouts.Cli.Tests.Cluster;

/// <summary>A cluster command given what cannot work says so in one line and exits 2, starting nothing.</summary>
public class ClusterBadInputTests
{
    [Theory]
    [InlineData(new[] { "node", "--port", "4053", "--seeds", "127.0.0.1:4053" }, "give --journal-url")]
    [InlineData(new[] { "node", "--port", "4053", "--seeds", "localhost", "--journal-url", "postgresql://u@127.0.0.1:1/db" }, "'localhost' is not HOST:PORT")]
    [InlineData(new[] { "run", "examples/tasks.jsonl", "--seeds", "127.0.0.1:4053" }, "give --journal-url postgresql://user@host:port/database too")]
    [InlineData(new[] { "run", "examples/tasks.jsonl", "--seeds", "127.0.0.1:4053", "--journal-url", "postgresql://u@127.0.0.1:1/db", "--fake-llm", "examples/fake-llm.json" },
        "start `actor-rollouts fake-llm --script FILE --port P` and pass --base-url")]
    [InlineData(new[] { "run", "examples/tasks.jsonl", "--seeds", "127.0.0.1:4053", "--journal-url", "postgresql://u@127.0.0.1:1/db", "--confirm", "ask" },
        "--confirm ask needs a terminal")]
    public async Task ClusterCommand_WithWhatCannotWork_IsAUsageErrorNamingIt(string[] args, string expected)
    {
        var data = Cli.NewTempDir();

        var result = await Cli.RunAsync([.. args, "--data-dir", data]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(data)); // nothing started, nothing written
    }

    [Fact]
    public async Task Node_OnAPortInUse_SaysSoAndExits2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString();

        var result = await Cli.RunAsync(["node", "--port", port, "--seeds", $"127.0.0.1:{port}", "--journal-url", PostgresServer.Instance.NewDatabaseUrl(),
            "--data-dir", Cli.NewTempDir()]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"cannot listen for the cluster on 127.0.0.1:{port}", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }
}
