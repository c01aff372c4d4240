using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Cli.Viewer;

/// <summary>Everything the viewer shows, read from the journal (<see cref="JournalReader"/>).
/// It keeps each fleet's folded state and the sequence number it reached, so a page load or a live tick reads only the
/// fleet's new events; and it keeps the facts of finished sessions, which can no longer change.</summary>
public sealed class ViewerJournal(JournalReader reader, JournalLocation location)
{
    private readonly ConcurrentDictionary<string, FleetEntry> _fleets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ToolTally> _finishedTallies = new(StringComparer.Ordinal);

    public JournalLocation Location => location;

    public Task<ImmutableList<string>> FleetIdsAsync() => reader.FleetIdsAsync();

    public bool RunIsActive(string fleetId) => location.RunIsActive(fleetId);

    /// <summary>The fleet as its journal has it now, and the sequence number that state includes.</summary>
    public async Task<(FleetState State, long Seq)> FleetAsync(string fleetId)
    {
        var entry = _fleets.GetOrAdd(fleetId, _ => new FleetEntry());
        await entry.Gate.WaitAsync();
        try
        {
            foreach (var (seq, e) in await reader.FleetEventsAfterAsync(fleetId, entry.Seq))
                (entry.State, entry.Seq) = (entry.State.Apply(e), seq);
            return (entry.State, entry.Seq);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Reads every fleet's journal into the cache, so the first page a person opens does not wait for it (a fleet
    /// of 10,000 sessions has 20,000 events). Runs in the background from start; a page that asks meanwhile waits only
    /// for the fleet it shows.</summary>
    public async Task<(int Fleets, long Events)> PreloadAsync(CancellationToken cancel)
    {
        var (fleets, events) = (0, 0L);
        foreach (var fleetId in await FleetIdsAsync())
        {
            if (cancel.IsCancellationRequested) break;
            events += (await FleetAsync(fleetId)).Seq;
            fleets++;
        }
        return (fleets, events);
    }

    public async Task<FleetSummary?> SummaryAsync(string fleetId)
    {
        var (fleet, seq) = await FleetAsync(fleetId);
        return fleet.IsPlanned ? FleetSummary.From(fleetId, fleet, seq, RunIsActive(fleetId)) : null;
    }

    /// <summary>Every session of the fleet, in plan order. Finished ones come from the figures journaled with their
    /// outcome; only sessions launched and not finished (at most the concurrency while a fleet runs) read their own
    /// journal.</summary>
    public async Task<(FleetSummary Summary, ImmutableList<SessionRow> Rows)?> RowsAsync(string fleetId)
    {
        var (fleet, seq) = await FleetAsync(fleetId);
        if (!fleet.IsPlanned) return null;
        var active = RunIsActive(fleetId);
        var rows = ImmutableList.CreateBuilder<SessionRow>();
        foreach (var spec in fleet.Sessions)
        {
            var finished = fleet.Finished.GetValueOrDefault(spec.SessionId);
            rows.Add(finished?.Figures is { } figures
                ? SessionRow.From(spec, fleet, finished, figures)
                : finished is not null || fleet.Launched.Contains(spec.SessionId)
                    ? SessionRow.From(spec, fleet, await reader.SessionAsync(spec.SessionId), active)
                    : SessionRow.From(spec, fleet, SessionState.Empty, active));
        }
        return (FleetSummary.From(fleetId, fleet, seq, active), rows.ToImmutable());
    }

    /// <summary>The tool calls of every session of the fleet that has started, by tool and by result. A finished session's
    /// come from its outcome in the fleet's journal; only the others (and sessions of journals from before tallies were
    /// journaled) read their own journal, a few at a time.</summary>
    public async Task<ImmutableSortedDictionary<string, ToolTally>?> ToolTalliesAsync(string fleetId, CancellationToken cancel)
    {
        var (fleet, _) = await FleetAsync(fleetId);
        if (!fleet.IsPlanned) return null;
        var tallies = new ConcurrentDictionary<string, ToolTally>(StringComparer.Ordinal);
        var toRead = new List<string>();
        foreach (var spec in fleet.Sessions)
        {
            if (fleet.Finished.GetValueOrDefault(spec.SessionId)?.Figures?.Tools is { } journaled) tallies[spec.SessionId] = journaled;
            else if (_finishedTallies.TryGetValue(spec.SessionId, out var known)) tallies[spec.SessionId] = known;
            else if (fleet.Launched.Contains(spec.SessionId) || fleet.Finished.ContainsKey(spec.SessionId)) toRead.Add(spec.SessionId);
        }
        await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancel }, async (sessionId, _) =>
        {
            var state = await reader.SessionAsync(sessionId);
            tallies[sessionId] = ToolTally.Of(state);
            if (state.IsSettled) _finishedTallies[sessionId] = tallies[sessionId];
        });
        return tallies.ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    public Task<ImmutableList<(long Seq, ISessionEvent Event)>> SessionEventsAsync(string sessionId, long afterSeq = 0) =>
        reader.SessionEventsAfterAsync(sessionId, afterSeq);

    /// <summary>Every session of the fleet as its own journal folds (for downloads).</summary>
    public Task<ImmutableList<SessionState>> SessionStatesAsync(string fleetId) => FleetReport.SessionsAsync(reader, fleetId);

    private sealed class FleetEntry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public FleetState State = FleetState.Empty;
        public long Seq;
    }
}
