using System.Text;
using System.Text.Json;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.Cli.Viewer;

/// <summary>The viewer's JSON API: read-only GETs over the journal. Ids travel in the query string (a task id may hold
/// characters a path segment cannot).</summary>
public static class ViewerApi
{
    public static void Map(WebApplication app, ViewerJournal journal, WorkspaceBrowser workspaces)
    {
        app.MapGet("/api/fleets", async () =>
        {
            var summaries = new List<FleetSummary>();
            foreach (var id in await journal.FleetIdsAsync())
                if (await journal.SummaryAsync(id) is { } summary) summaries.Add(summary);
            return Json(summaries.OrderByDescending(s => s.StartedAt));
        });

        app.MapGet("/api/fleet", async (string id) =>
            await journal.RowsAsync(id) is { } fleet
                ? Json(new { fleet.Summary, Sessions = fleet.Rows.Select(CompactRow) }, RolloutJson.Listing)
                : NotFound($"no fleet '{id}' in {journal.Location.Display}"));

        app.MapGet("/api/fleet/tools", async (string id, CancellationToken cancel) =>
            await journal.ToolTalliesAsync(id, cancel) is { } tallies ? Json(tallies) : NotFound($"no fleet '{id}' in {journal.Location.Display}"));

        app.MapGet("/api/fleet/download", async (string id, string? format) =>
        {
            format ??= "trajectories";
            if (!ExportRecords.Formats.Contains(format)) return Results.BadRequest($"format must be one of {string.Join(", ", ExportRecords.Formats)}");
            var (fleet, _) = await journal.FleetAsync(id);
            if (!fleet.IsPlanned) return NotFound($"no fleet '{id}' in {journal.Location.Display}");
            var lines = ExportRecords.Lines(ExportRecords.Choose(await journal.SessionStatesAsync(id)), format);
            return new Download($"{id}-{format}.jsonl", lines);
        });

        app.MapGet("/api/session", async (string id) =>
        {
            var events = await journal.SessionEventsAsync(id);
            if (events.IsEmpty) return NotFound($"no session '{id}' in {journal.Location.Display} (it may not have started yet)");
            var state = SessionState.From(events.Select(e => e.Event));
            var header = Header(state, events[^1].Seq, journal.RunIsActive(state.Spec?.FleetId ?? ""));
            return new SessionBody(header, events);
        });

        app.MapGet("/api/workspace", (string id, long? at) => Rebuilding(async () =>
            await workspaces.ListAsync(id, at) is { } listing
                ? Json(new { listing.SessionId, listing.At, listing.LastSeq, listing.Entries })
                : NotFound($"no session '{id}' in {journal.Location.Display}")));

        // An image or a sound an MCP tool answered with, from the blob store by its SHA-256: shown as the type the result
        // named only when that is an image or audio type a browser shows without running anything (never SVG or HTML).
        app.MapGet("/api/blob", (string sha, string? type) =>
        {
            if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)) return NotFound($"'{sha}' is not a SHA-256 (64 lowercase hex digits)");
            var blobs = new Environments.Workspaces.BlobStore(new Hosting.FleetPaths(journal.Location.DataDir, "").BlobsDir, journal.Location.SharedContent);
            if (!blobs.Has(sha)) return NotFound($"no blob {sha[..12]}… in {blobs.Folder}");
            var shown = type is not null && MediaTypes.Contains(type) ? type : "application/octet-stream";
            return Results.Stream(blobs.Open(sha), shown);
        });

        app.MapGet("/api/workspace/file", (string id, long? at, string path) => Rebuilding(async () =>
            await workspaces.ListAsync(id, at) is { } listing && await WorkspaceBrowser.ReadAsync(listing, path) is { } file
                ? Json(file)
                : NotFound($"no file '{path}' in {id}'s workspace at #{at}")));
    }

    private static readonly HashSet<string> MediaTypes =
        ["image/png", "image/jpeg", "image/gif", "image/webp", "audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg", "audio/webm"];

    /// <summary>A session as the session page reads it: <c>{"session": header, "lines": [trace lines]}</c>, written
    /// straight to the response (a 2,000-event session is never held as one string).</summary>
    private sealed class SessionBody(SessionHeader header, IReadOnlyList<(long Seq, SessionEvents.ISessionEvent Event)> events) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await using var json = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = RolloutJson.Options.Encoder });
            json.WriteStartObject();
            json.WritePropertyName("session");
            json.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(header, RolloutJson.Listing), skipInputValidation: true); // Serialize(writer) would flush synchronously
            json.WriteStartArray("lines");
            foreach (var line in SessionTrace.Lines(events))
            {
                line.WriteTo(json, RolloutJson.Options);
                if (json.BytesPending > 64 * 1024) await json.FlushAsync(context.RequestAborted);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
    }

    /// <summary>A JSONL file, written line by line as it is made (a big fleet's trajectories are never one string).</summary>
    private sealed class Download(string fileName, IEnumerable<string> lines) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "application/jsonl; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), 64 * 1024);
            foreach (var line in lines) await writer.WriteAsync(line + "\n");
        }
    }

    /// <summary>What the session page shows above the timeline.</summary>
    public sealed record SessionHeader(
        string SessionId, string? FleetId, string? TaskId, int? Sample, string Status, string? StopReason, int Turns, long InputTokens,
        long OutputTokens, decimal CostUsd, double? Reward, string? Error, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Model,
        string? ParentSessionId, long? ForkedAtSeq, int Resumes, bool Settled, long LastSeq);

    public static SessionHeader Header(SessionState s, long lastSeq, bool runActive) =>
        new(s.Spec?.SessionId ?? "", s.Spec?.FleetId, s.Spec?.TaskId, s.Spec?.Sample,
            s.IsFinished ? SessionOutcomes.Of(s.Status) : runActive ? SessionOutcomes.Running : SessionOutcomes.Interrupted,
            s.StopReason, s.Turns, s.Usage.InputTokens, s.Usage.OutputTokens, s.CostUsd, s.Reward, s.Error, s.StartedAt, s.EndedAt,
            s.Spec?.Endpoint.Model, s.ParentSessionId, s.ForkedAtSeq, s.Resumes, s.IsSettled, lastSeq);

    /// <summary>A table row without what every row of a fleet repeats (its settings changes).</summary>
    private static object CompactRow(SessionRow r) => new
    {
        r.SessionId, r.TaskId, r.Sample, r.Status, r.StopReason, r.Turns, r.InputTokens, r.OutputTokens, r.CostUsd, r.Reward,
        r.StartedAt, r.EndedAt, r.Error, r.Node, r.Resumes,
    };

    private static IResult Json<T>(T value, JsonSerializerOptions? options = null) => Results.Json(value, options ?? RolloutJson.Options);

    private static IResult NotFound(string message) => Results.NotFound(new { error = message });

    /// <summary>A workspace whose template or blobs are not in this data dir cannot be shown: the page says why.</summary>
    private static async Task<IResult> Rebuilding(Func<Task<IResult>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is UsageException or InvalidDataException or FileNotFoundException)
        {
            return NotFound($"cannot rebuild this workspace here: {ex.Message}");
        }
    }
}
