using Mesh.ServiceDefaults.Data;
using Npgsql;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// A service's schema work at start-up rides out a slow or starting database (StartupRetry): transient failures are
/// tried again, anything else fails at once, so a wrong schema never loops.
/// </summary>
public sealed class StartupRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_timeout_while_the_first_connection_loads_types_is_tried_again_until_it_passes()
    {
        var attempts = 0;
        await StartupRetry.RunAsync("test schema", () =>
        {
            // What a loaded machine gave the catalog and feed: Npgsql's wrapper around a read timeout.
            if (++attempts < 3) throw new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt"));
            return Task.CompletedTask;
        }, Ct, firstDelay: TimeSpan.FromMilliseconds(10));
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task A_failure_that_is_not_transient_is_thrown_at_once()
    {
        var attempts = 0;
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => StartupRetry.RunAsync("test schema", () =>
        {
            attempts++;
            throw new InvalidOperationException("syntax error in 0002_orders.sql");
        }, Ct, firstDelay: TimeSpan.FromMilliseconds(10)));
        Assert.Equal(1, attempts);
        Assert.Contains("0002_orders.sql", thrown.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Transient_means_Npgsqls_verdict_or_a_timeout(bool io)
    {
        Assert.True(StartupRetry.IsTransient(new TimeoutException()));
        Assert.Equal(io, StartupRetry.IsTransient(new NpgsqlException("read failed", io ? new IOException("reset") : new FormatException("bad"))));
        Assert.False(StartupRetry.IsTransient(new InvalidOperationException()));
    }
}
