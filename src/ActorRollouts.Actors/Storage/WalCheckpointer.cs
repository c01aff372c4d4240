using Microsoft.Data.Sqlite;

namespace ActorRollouts.Actors.Storage;

/// <summary>Copies the journal's committed pages from the write-ahead log into the database file on a thread of its own.
/// SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages: the journal's one writer
/// then copies the log and waits for two fsyncs while every session's next write waits behind it (0.2 s for the commit
/// that holds a 20 MB tool call). So the writer's automatic checkpoint is off; after each commit it only signals, and
/// this thread checkpoints in PASSIVE mode, which never blocks the writer or a reader, at most once per
/// <see cref="Pause"/>. If a checkpoint fails, the next commit's signal tries again, and SQLite checkpoints when the last
/// connection closes in any case.
/// <para>The writer starts the log again from its beginning only after a checkpoint copied all of it; a checkpoint that
/// runs beside a busy writer seldom catches up, so the log could grow with the journal. Past
/// <see cref="RestartAbovePages"/> pages a TRUNCATE checkpoint follows, which waits for the writer (as SQLite's own one
/// did) and leaves the log empty.</para></summary>
internal sealed class WalCheckpointer : IDisposable
{
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    /// <summary>64 MB of 4 KB pages.</summary>
    public const long RestartAbovePages = 16_384;

    /// <summary>For the writer's connection: no checkpoint inside its commits.</summary>
    public const string WriterPragma = "PRAGMA wal_autocheckpoint = 0;";

    /// <summary>SQLite's default, put back before the writer's connection returns to the pool.</summary>
    public const string DefaultPragma = "PRAGMA wal_autocheckpoint = 1000;";

    private readonly Func<SqliteConnection> _open;
    private readonly long _restartAbovePages;
    private readonly AutoResetEvent _committed = new(false);
    private readonly ManualResetEventSlim _stopping = new(false);
    private readonly Thread _thread;

    public WalCheckpointer(Func<SqliteConnection> open, long restartAbovePages = RestartAbovePages)
    {
        (_open, _restartAbovePages) = (open, restartAbovePages);
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-journal-checkpointer" };
        _thread.Start();
    }

    /// <summary>Called by the writer after a commit; never waits.</summary>
    public void Committed() => _committed.Set();

    public void Dispose()
    {
        _stopping.Set();
        _thread.Join(TimeSpan.FromSeconds(30));
        _committed.Dispose();
        _stopping.Dispose();
    }

    private void Run()
    {
        var signals = new[] { _committed, _stopping.WaitHandle };
        while (WaitHandle.WaitAny(signals) == 0)
        {
            try
            {
                using var connection = _open();
                if (Checkpoint(connection, "PASSIVE") > _restartAbovePages) Checkpoint(connection, "TRUNCATE");
            }
            catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
            {
                // the next commit tries again (see the summary)
            }
            if (_stopping.Wait(Pause)) return;
        }
    }

    /// <summary>Returns the pages the log held.</summary>
    private static long Checkpoint(SqliteConnection connection, string mode)
    {
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var result = checkpoint.ExecuteReader(); // busy, pages in the log, pages copied
        return result.Read() ? result.GetInt64(1) : 0;
    }
}
