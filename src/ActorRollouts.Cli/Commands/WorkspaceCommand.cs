using System.CommandLine;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>workspace SESSION_ID [--at SEQ] --out DIR</c>: a session's workspace as it was after a journal sequence
/// number, rebuilt from the journal alone (the captured template plus every journaled change), never from the live
/// workspace folder.</summary>
public static class WorkspaceCommand
{
    private static readonly Argument<string> SessionId = new("session-id") { Description = "Session id: <fleet-id>:<task-id>:<sample>." };
    private static readonly Option<long?> At = new("--at") { Description = "Journal sequence number (as in `trace`): the workspace after it. Default: the end." };
    private static readonly Option<string> Out = new("--out") { Description = "Folder to write the workspace into (missing or empty).", Required = true };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();

    public static Command Create()
    {
        var command = new Command("workspace", "Write a session's workspace, at the end or after any journal sequence number, into a folder.") { SessionId, At, Out, DataDir, JournalUrl };
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
            var spec = SessionState.From(events.Select(e => e.Event)).Spec!;
            var paths = new FleetPaths(journal.DataDir, spec.FleetId);
            var template = spec.TemplateFolder(paths.TemplatesDir);
            var shared = journal.SharedContent;
            if (template is not null && !Directory.Exists(template) && !(shared is not null && spec.TemplateHash is { } hash && TemplateArchive.TryRestore(shared, hash, paths.TemplatesDir)))
                throw new UsageException($"the session's template {(spec.TemplateHash is null ? template : spec.TemplateHash[..12])} is not in {paths.TemplatesDir}.");
            var changes = SessionEvents.WorkspaceChanges(events.Where(e => e.Seq <= (at ?? last)).Select(e => e.Event)).ToList();
            try
            {
                new WorkspaceRebuild(template, changes, new BlobStore(paths.BlobsDir, shared)).WriteTree(outDir);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
            {
                throw new UsageException($"cannot rebuild {sessionId}'s workspace: {ex.Message}"); // a blob or template gone from this data dir
            }
            Console.Error.WriteLine($"wrote {sessionId}'s workspace after #{at ?? last} to {outDir} ({changes.Count} journaled changes over its template)");
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
