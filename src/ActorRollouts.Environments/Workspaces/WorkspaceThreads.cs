using System.Collections.Concurrent;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>Two threads of their own for the blocking part of opening a workspace: starting the overlay's holder and
/// waiting for its mount, rebuilding a layer, the first look at the session's changes. A fleet opening thousands of
/// workspaces at once would otherwise hold the thread pool with them, and the journal's writes, which need the pool,
/// time out behind them.</summary>
public static class WorkspaceThreads
{
    private const int Threads = 2;

    private static readonly BlockingCollection<Action> Work = new();

    static WorkspaceThreads()
    {
        for (var i = 0; i < Threads; i++)
            new Thread(() =>
            {
                foreach (var item in Work.GetConsumingEnumerable()) item();
            }) { IsBackground = true, Name = $"workspace-opener-{i}" }.Start();
    }

    public static Task Run(Action work) => Run(() =>
    {
        work();
        return true;
    });

    public static Task<T> Run<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }
}
