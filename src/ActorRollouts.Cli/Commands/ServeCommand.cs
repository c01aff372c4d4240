using System.CommandLine;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Cli.Service;
using ActorRollouts.Cli.Viewer;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>serve</c>: a long-running rollout service for a trainer: the JSON API under <c>/v1</c> (fleets, tasks added
/// while they run, trajectories streamed as they finish, weight updates, cancel) beside the viewer, on one Kestrel. Every
/// open fleet in the journal continues when it starts, so a server killed mid-fleet and started again loses nothing.</summary>
public static class ServeCommand
{
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    private static readonly Option<int> Port = ViewerOptions.Port();
    private static readonly Option<string> Host = ViewerOptions.Host();
    private static readonly Option<string?> Config = CommonOptions.Config();
    private static readonly Option<string?> Seeds = new("--seeds") { Description = "Run the fleets on a rollout cluster (actor-rollouts node) through these members, HOST:PORT[,…]; needs --journal-url." };
    private static readonly Option<string> ClusterHost = new("--cluster-host")
    {
        Description = "With --seeds: the address the cluster's members reach this server at.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public static Command Create()
    {
        var command = new Command("serve", "Serve the rollout API a training loop drives (/v1: fleets, tasks, trajectories, weight updates) beside the viewer.")
        {
            DataDir, JournalUrl, Port, Host, Config, Seeds, ClusterHost,
        };
        command.SetAction((parse, cancel) => ServeAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ServeAsync(ParseResult parse, CancellationToken cancel)
    {
        var journal = JournalLocation.From(parse, DataDir, JournalUrl);
        var member = parse.GetValue(Seeds) is { } seeds
            ? journal.Url is null
                ? throw new UsageException("--seeds: a cluster shares one journal: give --journal-url postgresql://user@host:port/database too.")
                : CommonOptions.Member(parse.GetValue(ClusterHost)!, 0, seeds, hostsSessions: false)
            : null;
        journal.PrepareForWriting();
        var system = RolloutHost.Start(journal, parse.GetValue(Config), "actor-rollouts-serve", member);
        try
        {
            await using var fleets = new ServedFleets(system, RolloutSettings.From(system.Settings.Config), journal, cluster: member is not null);
            system.ActorOf(ProgressListener.Props(fleets), "progress-listener");
            var continued = await fleets.ContinueAllAsync();
            await using var server = await ViewerServer.StartAsync(system, journal, parse.GetValue(Host)!, parse.GetValue(Port), cancel,
                app => ServiceApi.Map(app, fleets, Environment.CurrentDirectory));
            Console.WriteLine($"serve: {server.Url}v1/ (API) and {server.OpenUrl} (viewer)");
            if (server.Access.Token is { } token) Console.WriteLine($"serve: token {token} (send it as Authorization: Bearer {token})");
            Console.Error.WriteLine($"serve: journal {journal.Display}; " +
                                    (continued.IsEmpty ? "no open fleets to continue" : $"continuing {continued.Count} open fleet(s): {string.Join(", ", continued)}") +
                                    ". Ctrl-C stops it; every fleet continues when it is started again.");
            await Task.Delay(Timeout.Infinite, cancel).ContinueWith(_ => { }, TaskScheduler.Default);
            Console.Error.WriteLine("serve: stopped; everything is journaled");
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
