using System.CommandLine;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Cli.Viewer;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>view</c>: the web viewer over a journal, until Ctrl-C or SIGTERM.</summary>
public static class ViewCommand
{
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    private static readonly Option<int> Port = ViewerOptions.Port();
    private static readonly Option<string> Host = ViewerOptions.Host();

    public static Command Create()
    {
        var command = new Command("view", "Open a web viewer of the journal's fleets and sessions (read-only, live) on http://127.0.0.1:7878/.")
        {
            DataDir, JournalUrl, Port, Host,
        };
        command.SetAction((parse, cancel) => ViewAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ViewAsync(ParseResult parse, CancellationToken cancel)
    {
        var journal = JournalLocation.From(parse, DataDir, JournalUrl).RequireExisting();
        var system = RolloutHost.Start(journal, null, "actor-rollouts-view");
        try
        {
            await using var viewer = await ViewerServer.StartAsync(system, journal, parse.GetValue(Host)!, parse.GetValue(Port), cancel);
            ViewerOptions.Announce(viewer, journal);
            await Task.Delay(Timeout.Infinite, cancel).ContinueWith(_ => { }, TaskScheduler.Default);
            Console.Error.WriteLine("viewer: stopped");
            return ExitCodes.Ok; // Ctrl-C is how a viewer ends
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
