using System.CommandLine;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Cli.Hosting;
using Akka.Actor;
using Akka.Cluster;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>node --journal-url URL --port P --seeds HOST:PORT[,…]</c>: a cluster member that hosts sessions and fleets
/// until SIGTERM or Ctrl-C, when it leaves the cluster gracefully and its sessions continue on the other nodes.</summary>
public static class NodeCommand
{
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    private static readonly Option<string?> Config = CommonOptions.Config();
    private static readonly Option<int> Port = new("--port") { Description = "Port this node listens on for the cluster.", Required = true };
    private static readonly Option<string> Host = CommonOptions.Host();
    private static readonly Option<string> Seeds = new("--seeds") { Description = "Members to join through, HOST:PORT[,HOST:PORT…] (this node's own address may be one).", Required = true };

    public static Command Create()
    {
        var command = new Command("node", "Host sessions as a member of a rollout cluster sharing a PostgreSQL journal, until SIGTERM (then leave gracefully).")
        {
            JournalUrl, Port, Host, Seeds, DataDir, Config,
        };
        command.SetAction((parse, cancel) => RunAsync(parse, cancel));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var journal = JournalLocation.From(parse, DataDir, JournalUrl);
        if (journal.Url is null)
            throw new UsageException("node: a cluster shares one journal: give --journal-url postgresql://user@host:port/database.");
        var member = CommonOptions.Member(parse.GetValue(Host)!, parse.GetValue(Port), parse.GetValue(Seeds)!, hostsSessions: true);
        journal.PrepareForWriting();
        var system = RolloutHost.Start(journal, parse.GetValue(Config), member: member);
        // The agent programs of the sessions this node hosts reach the model through this node's gateway: it outlives them.
        await using var gateway = await Gateway.AgentGatewayServer.StartAsync(cancel);
        try
        {
            ClusterNode.Start(system, journal, RolloutSettings.From(system.Settings.Config), member, gateway.Links);
            var address = ClusterMember.Address(member.Host, member.Port);
            Console.Error.WriteLine($"node {address}: joining through {parse.GetValue(Seeds)}; journal {journal.Display}; data dir {journal.DataDir}");
            var cluster = Akka.Cluster.Cluster.Get(system);
            cluster.RegisterOnMemberUp(() => Console.Error.WriteLine($"node {address}: up; hosting sessions"));
            // Downed by the split-brain resolver (cut off from the majority), the system terminates itself: so does the node.
            var stopped = await Task.WhenAny(system.WhenTerminated, Task.Delay(Timeout.Infinite, cancel).ContinueWith(_ => { }, TaskScheduler.Default));
            if (stopped == system.WhenTerminated)
            {
                Console.Error.WriteLine($"node {address}: removed from the cluster (downed); its sessions continue on the other nodes");
                return ExitCodes.Usage;
            }
            Console.Error.WriteLine($"node {address}: leaving the cluster; its sessions move to the other nodes");
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            Console.Error.WriteLine($"node {address}: left");
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
