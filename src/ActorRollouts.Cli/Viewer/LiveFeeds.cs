using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.Cli.Viewer;

/// <summary>Live updates as Server-Sent Events. Each feed reads the journal's new events every <see cref="Interval"/>
/// (Persistence Query, from the sequence number it reached) and sends what changed; nothing is sent while nothing
/// changes, and a feed ends with its request.</summary>
public static class LiveFeeds
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the front page looks for fleets it has not seen (listing them reads every persistence id).</summary>
    private const int NewFleetEveryTicks = 6;

    public static void Map(WebApplication app, ViewerJournal journal)
    {
        app.MapGet("/api/live/fleets", (CancellationToken cancel) => TypedResults.ServerSentEvents(Fleets(journal, cancel)));
        app.MapGet("/api/live/fleet", (string id, CancellationToken cancel) => TypedResults.ServerSentEvents(Fleet(journal, id, cancel)));
        app.MapGet("/api/live/session", (string id, long? after, CancellationToken cancel) =>
            TypedResults.ServerSentEvents(Session(journal, id, after ?? 0, cancel)));
    }

    /// <summary>Every fleet's summary when it changes (<c>fleet</c> events).</summary>
    private static async IAsyncEnumerable<SseItem<string>> Fleets(ViewerJournal journal, [EnumeratorCancellation] CancellationToken cancel)
    {
        var sent = new Dictionary<string, FleetSummary>(StringComparer.Ordinal);
        var ids = await journal.FleetIdsAsync();
        for (var tick = 0; !cancel.IsCancellationRequested; tick++)
        {
            if (tick > 0 && tick % NewFleetEveryTicks == 0) ids = await journal.FleetIdsAsync();
            foreach (var id in ids)
            {
                // A complete fleet changes no more: once sent, it is not read again.
                if (sent.TryGetValue(id, out var before) && before.Status == "complete") continue;
                if (await journal.SummaryAsync(id) is not { } summary || Same(before, summary)) continue;
                sent[id] = summary;
                if (before is not null || tick > 0) yield return Item("fleet", summary);
            }
            if (!await Pause(cancel)) yield break;
        }
    }

    /// <summary>The fleet's summary whenever its journal grows or its run starts or stops (<c>fleet</c> events); the page
    /// then fetches its rows again.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Fleet(ViewerJournal journal, string fleetId, [EnumeratorCancellation] CancellationToken cancel)
    {
        FleetSummary? before = await journal.SummaryAsync(fleetId);
        while (await Pause(cancel))
        {
            var now = await journal.SummaryAsync(fleetId);
            if (now is null || Same(before, now)) continue;
            before = now;
            yield return Item("fleet", now);
        }
    }

    /// <summary>A session's trace lines after <paramref name="after"/> as they are journaled (<c>lines</c> events, a JSON array
    /// each), then <c>end</c> once the session has ended and been graded.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Session(ViewerJournal journal, string sessionId, long after,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        // The trace fills a tool call's arguments in from the assistant message that asked for it: it reads from the start.
        var trace = new SessionTrace();
        var state = SessionState.Empty;
        var seq = 0L;
        while (!cancel.IsCancellationRequested)
        {
            var lines = new JsonArray();
            foreach (var (s, e) in await journal.SessionEventsAsync(sessionId, seq))
            {
                foreach (var line in trace.ToLines(s, e))
                    if (s > after) lines.Add(line);
                (state, seq) = (state.Apply(e), s);
            }
            if (lines.Count > 0) yield return new SseItem<string>(lines.ToJsonString(RolloutJson.Options), "lines");
            if (state.IsSettled)
            {
                yield return Item("end", ViewerApi.Header(state, seq, runActive: false));
                yield break;
            }
            if (!await Pause(cancel)) yield break;
        }
    }

    private static bool Same(FleetSummary? a, FleetSummary b) => a is not null && a.Seq == b.Seq && a.Status == b.Status;

    private static SseItem<string> Item<T>(string type, T data) => new(JsonSerializer.Serialize(data, RolloutJson.Listing), type);

    private static async Task<bool> Pause(CancellationToken cancel)
    {
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
