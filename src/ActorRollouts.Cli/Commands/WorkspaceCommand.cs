using System.CommandLine;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>workspace SESSION_ID [--at SEQ] --out DIR [--full]</c>: a session's workspace as it was after a journal
/// sequence number, rebuilt from the journal alone (the captured template or image plus every journaled change), never
/// from the live workspace folder. For a session in an image, what differs from the image and a manifest, unless
/// <c>--full</c>.</summary>
public static class WorkspaceCommand
{
    private static readonly Argument<string> SessionId = new("session-id") { Description = "Session id: <fleet-id>:<task-id>:<sample>." };
    private static readonly Option<long?> At = new("--at") { Description = "Journal sequence number (as in `trace`): the workspace after it. Default: the end." };
    private static readonly Option<string> Out = new("--out") { Description = "Folder to write the workspace into (missing or empty).", Required = true };
    private static readonly Option<bool> Full = new("--full")
    {
        Description = "For a session that ran in an image: write the whole tree (the image with the changes), not only what differs from it.",
    };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();

    public static Command Create()
    {
        var command = new Command("workspace", "Write a session's workspace, at the end or after any journal sequence number, into a folder.") { SessionId, At, Out, Full, DataDir, JournalUrl };
        command.SetAction((parse, _) => WriteAsync(parse));
        return command;
    }

    private static async Task<int> WriteAsync(ParseResult parse)
    {
        var (sessionId, at, outDir) = (parse.GetValue(SessionId)!, parse.GetValue(At), Path.GetFullPath(parse.GetValue(Out)!));
        if (at < 0) throw new UsageException("--at must be a journal sequence number (1 or more, as `trace` shows them).");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new UsageException($"--out '{outDir}' is not empty; give a new or empty folder.");
        var journal = JournalLocation.From(parse, DataDir, JournalUrl).RequireExisting();
        var system = RolloutHost.Start(journal, null, "actor-rollouts-workspace");
        try
        {
            var events = await new JournalReader(system).SessionEventsAsync(sessionId);
            if (events.IsEmpty) throw journal.NoSession(sessionId);
            var last = events[^1].Seq;
            if (at > last) throw new UsageException($"--at {at} is past the end of '{sessionId}' (its last sequence number is {last}).");
            var changes = WorkspaceFromJournal.Write(journal, sessionId, events, at ?? last, outDir, parse.GetValue(Full));
            Console.Error.WriteLine(File.Exists(Path.Combine(outDir, ImageChanges.ManifestFile))
                ? $"wrote what {sessionId} changed in its image after #{at ?? last} to {outDir}: {ImageChanges.ChangedFolder}/ and {ImageChanges.ManifestFile} ({changes} journaled changes; --full writes the whole tree)"
                : $"wrote {sessionId}'s workspace after #{at ?? last} to {outDir} ({changes} journaled changes over its template)");
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
