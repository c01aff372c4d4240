using System.CommandLine;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trace;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>trace SESSION_ID</c>: the session's journal as trace JSONL (DESIGN.md), read through <see cref="JournalReader"/>.</summary>
public static class TraceCommand
{
    private static readonly Argument<string?> SessionId = new("session-id") { Description = "Session id: <fleet-id>:<task-id>:<sample>.", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<string?> Fleet = new("--fleet") { Description = "Every session of this fleet, one file each in the --out folder." };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    private static readonly Option<string?> Out = new("--out") { Description = "A file (one session; default stdout) or a folder (with --fleet)." };

    public static Command Create()
    {
        var command = new Command("trace", "Print a session's journal as JSONL: a metadata line, then every message and event.") { SessionId, Fleet, DataDir, JournalUrl, Out };
        command.SetAction((parse, _) => TraceAsync(parse));
        return command;
    }

    private static async Task<int> TraceAsync(ParseResult parse)
    {
        var (sessionId, fleetId, outPath) = (parse.GetValue(SessionId), parse.GetValue(Fleet), parse.GetValue(Out));
        if ((sessionId is null) == (fleetId is null)) throw new UsageException("give a SESSION_ID or --fleet ID (one of them).");
        if (fleetId is not null && outPath is null) throw new UsageException("--fleet writes one file per session: give the folder with --out DIR.");
        var journal = JournalLocation.From(parse, DataDir, JournalUrl).RequireExisting();
        var system = RolloutHost.Start(journal, null, "actor-rollouts-trace");
        try
        {
            var reader = new JournalReader(system);
            if (sessionId is not null)
            {
                await using var writer = outPath is null ? Console.Out : new StreamWriter(outPath);
                if (!await WriteAsync(reader, sessionId, writer)) throw journal.NoSession(sessionId);
                return ExitCodes.Ok;
            }
            var fleet = await reader.FleetAsync(fleetId!);
            if (!fleet.IsPlanned) throw journal.NoFleet(fleetId!);
            Directory.CreateDirectory(outPath!);
            var written = 0;
            foreach (var spec in fleet.Sessions)
            {
                var events = await reader.SessionEventsAsync(spec.SessionId);
                if (events.IsEmpty) continue; // never started: no file (an empty one would read as a trace without its metadata line)
                await using var writer = new StreamWriter(Path.Combine(outPath!, $"{spec.SessionId.Replace(':', '_')}.jsonl"));
                await WriteLinesAsync(events, writer);
                written++;
            }
            Console.Error.WriteLine($"wrote {written} traces to {Path.GetFullPath(outPath!)} ({fleet.Sessions.Count - written} sessions never started)");
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }

    private static async Task<bool> WriteAsync(JournalReader reader, string sessionId, TextWriter writer)
    {
        var events = await reader.SessionEventsAsync(sessionId);
        await WriteLinesAsync(events, writer);
        return !events.IsEmpty;
    }

    private static async Task WriteLinesAsync(IEnumerable<(long Seq, SessionEvents.ISessionEvent Event)> events, TextWriter writer)
    {
        foreach (var line in SessionTrace.Lines(events))
            await writer.WriteLineAsync(line.ToJsonString(RolloutJson.Options));
    }
}
