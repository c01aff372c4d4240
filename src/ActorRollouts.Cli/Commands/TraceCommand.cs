using System.CommandLine;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Trace;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>trace SESSION_ID</c>: the session's journal as trace JSONL (DESIGN.md), read through Akka.Persistence.Query.</summary>
public static class TraceCommand
{
    private static readonly Argument<string> SessionId = new("session-id") { Description = "Session id: <fleet-id>:<task-id>:<sample>." };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> Out = new("--out") { Description = "Write to this file instead of stdout." };

    public static Command Create()
    {
        var command = new Command("trace", "Print a session's journal as JSONL: a metadata line, then every message and event.") { SessionId, DataDir, Out };
        command.SetAction((parse, _) => TraceAsync(parse));
        return command;
    }

    private static async Task<int> TraceAsync(ParseResult parse)
    {
        var dataDir = JournalFile.RequireDataDir(parse.GetValue(DataDir)!);
        var sessionId = parse.GetValue(SessionId)!;
        var system = RolloutHost.Start(dataDir, null, "actor-rollouts-trace");
        try
        {
            var events = await new JournalReader(system).SessionEventsAsync(sessionId);
            if (events.IsEmpty) throw new UsageException($"no session '{sessionId}' in {JournalFile.PathIn(dataDir)}.");
            var outPath = parse.GetValue(Out);
            await using var writer = outPath is null ? Console.Out : new StreamWriter(outPath);
            foreach (var (seq, e) in events)
                await writer.WriteLineAsync(TraceLines.ToLine(seq, e).ToJsonString(RolloutJson.Options));
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
