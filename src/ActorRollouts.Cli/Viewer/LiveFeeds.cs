using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serilog;

namespace ActorRollouts.Cli.Viewer;

/// <summary>Live updates as Server-Sent Events. Each feed reads the journal's new events every <see cref="Interval"/>
/// (<c>JournalReader</c>, from the sequence number it reached) and sends what changed. A feed sends the current state when
/// it opens, so a browser that reconnects after a dropped connection misses nothing; a session's feed numbers its
/// events by sequence number and goes on after the last one the browser got (<c>Last-Event-ID</c>). A read that fails is
/// logged and tried again on the next tick; a feed ends with its request.</summary>
public static class LiveFeeds
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the front page looks for fleets it has not seen (listing them reads every persistence id).</summary>
    private const int NewFleetEveryTicks = 6;

    public static void Map(WebApplication app, ViewerJournal journal)
    {
        app.MapGet("/api/live/fleets", (CancellationToken cancel) => TypedResults.ServerSentEvents(Fleets(journal, cancel)));
        app.MapGet("/api/live/fleet", (string id, CancellationToken cancel) => TypedResults.ServerSentEvents(Fleet(journal, id, cancel)));
        app.MapGet("/api/live/session", (HttpContext context, string id, long? after, CancellationToken cancel) =>
        {
            var resumed = long.TryParse(context.Request.Headers["Last-Event-ID"].FirstOrDefault(), out var lastSeen) ? lastSeen : 0;
            return TypedResults.ServerSentEvents(Session(journal, id, Math.Max(after ?? 0, resumed), cancel));
        });
    }

    /// <summary>Every fleet's summary when it changes (<c>fleet</c> events), all of them first.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Fleets(ViewerJournal journal, [EnumeratorCancellation] CancellationToken cancel)
    {
        var sent = new Dictionary<string, FleetSummary>(StringComparer.Ordinal);
        IReadOnlyList<string> ids = [];
        for (var tick = 0; await Tick(tick, cancel); tick++)
        {
            var changed = new List<FleetSummary>();
            await Reading(async () =>
            {
                if (tick % NewFleetEveryTicks == 0 || ids.Count == 0) ids = await journal.FleetIdsAsync();
                foreach (var id in ids)
                {
                    // A complete fleet changes no more: once sent, it is not read again.
                    if (sent.TryGetValue(id, out var before) && before.Status == "complete") continue;
                    if (await journal.SummaryAsync(id) is not { } summary || Same(before, summary)) continue;
                    sent[id] = summary;
                    changed.Add(summary);
                }
            }, "the fleets");
            foreach (var summary in changed) yield return Item("fleet", summary);
        }
    }

    /// <summary>The fleet's summary when the feed opens and whenever its journal grows or its run starts or stops
    /// (<c>fleet</c> events); the page then fetches its rows again.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Fleet(ViewerJournal journal, string fleetId, [EnumeratorCancellation] CancellationToken cancel)
    {
        FleetSummary? before = null;
        for (var tick = 0; await Tick(tick, cancel); tick++)
        {
            FleetSummary? now = null;
            await Reading(async () => now = await journal.SummaryAsync(fleetId), $"fleet {fleetId}");
            if (now is null || Same(before, now)) continue;
            before = now;
            yield return Item("fleet", now);
        }
    }

    /// <summary>A session's trace lines after <paramref name="after"/> as they are journaled (<c>lines</c> events, a JSON
    /// array each, whose event id is the last line's sequence number), then <c>end</c> once the session has ended and
    /// been graded.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Session(ViewerJournal journal, string sessionId, long after,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        // The trace fills a tool call's arguments in from the assistant message that asked for it: it reads from the start.
        var trace = new SessionTrace();
        var state = SessionState.Empty;
        var seq = 0L;
        for (var tick = 0; await Tick(tick, cancel); tick++)
        {
            var lines = new JsonArray();
            await Reading(async () =>
            {
                foreach (var (s, e) in await journal.SessionEventsAsync(sessionId, seq))
                {
                    foreach (var line in trace.ToLines(s, e))
                        if (s > after) lines.Add(line);
                    (state, seq) = (state.Apply(e), s);
                }
            }, $"session {sessionId}");
            if (lines.Count > 0)
                yield return new SseItem<string>(lines.ToJsonString(RolloutJson.Options), "lines") { EventId = seq.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (state.IsSettled)
            {
                yield return Item("end", ViewerApi.Header(state, seq, runActive: false));
                yield break;
            }
        }
    }

    private static bool Same(FleetSummary? a, FleetSummary b) => a is not null && a.Seq == b.Seq && a.Status == b.Status;

    private static SseItem<string> Item<T>(string type, T data) => new(JsonSerializer.Serialize(data, RolloutJson.Listing), type);

    /// <summary>A failed read (the database busy, a server restarting) costs one tick, not the feed.</summary>
    private static async Task Reading(Func<Task> read, string what)
    {
        try
        {
            await read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Warning(ex, "viewer: reading {What} for a live page failed; trying again", what);
        }
    }

    /// <summary>True to go on: at once for the first tick, after <see cref="Interval"/> for the others; false once the
    /// request is gone.</summary>
    private static async Task<bool> Tick(int tick, CancellationToken cancel)
    {
        if (tick == 0) return !cancel.IsCancellationRequested;
        try
        {
            await Task.Delay(Interval, cancel);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
