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
    private static readonly Option<string?> Seeds = new("--seeds") { Description = "Run the fleets on a rollout cluster (not yet: serve runs its fleets in this process)." };

    public static Command Create()
    {
        var command = new Command("serve", "Serve the rollout API a training loop drives (/v1: fleets, tasks, trajectories, weight updates) beside the viewer.")
        {
            DataDir, JournalUrl, Port, Host, Config, Seeds,
        };
        command.SetAction((parse, cancel) => ServeAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ServeAsync(ParseResult parse, CancellationToken cancel)
    {
        if (parse.GetValue(Seeds) is not null)
            throw new UsageException("serve --seeds is not built yet: serve runs its fleets in this process. Run the cluster's fleets with `run --seeds`.");
        var journal = JournalLocation.From(parse, DataDir, JournalUrl);
        journal.PrepareForWriting();
        var system = RolloutHost.Start(journal, parse.GetValue(Config), "actor-rollouts-serve");
        try
        {
            using var fleets = new ServedFleets(system, RolloutSettings.From(system.Settings.Config), journal);
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
