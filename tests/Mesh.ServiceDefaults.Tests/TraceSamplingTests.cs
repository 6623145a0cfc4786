using System.Diagnostics;
using Mesh.ServiceDefaults.Telemetry;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// Which traces a service records (TraceSampling, docs/decisions/0007): every one in Development; elsewhere a share
/// of the traces it starts, and always the caller's decision for a trace that arrives, so traces stay whole;
/// OpenTelemetry's OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG when set.
/// </summary>
public sealed class TraceSamplingTests
{
    private static readonly ActivitySource CallerSource = new("Mesh.ServiceDefaults.Tests.Sampling");

    [Fact]
    public void Development_records_every_trace_a_service_starts()
    {
        var sampler = Default("Development");
        Assert.Equal(TraceIds(2_000).Count, TraceIds(2_000).Count(id => Records(sampler, id, parent: default)));
    }

    [Fact]
    public void Elsewhere_a_service_records_the_default_share_of_the_traces_it_starts()
    {
        var ids = TraceIds(20_000);
        var share = (double)ids.Count(id => Records(Default("Production"), id, parent: default)) / ids.Count;
        // The ratio sampler keeps a trace by its id; 20,000 seeded ids put the share within 0.01 of the ratio.
        Assert.InRange(share, TraceSampling.DefaultRatio - 0.01, TraceSampling.DefaultRatio + 0.01);
    }

    [Fact]
    public void OTEL_TRACES_SAMPLER_ARG_sets_the_share_of_the_default_sampler()
    {
        var ids = TraceIds(20_000);
        var sampler = Default("Production", new() { [TraceSampling.SamplerArgKey] = "0.5" });
        var share = (double)ids.Count(id => Records(sampler, id, parent: default)) / ids.Count;
        Assert.InRange(share, 0.49, 0.51);
        Assert.Throws<InvalidOperationException>(() => Default("Production", new() { [TraceSampling.SamplerArgKey] = "10%" }));
    }

    [Fact]
    public void Elsewhere_a_service_keeps_the_callers_decision_whatever_the_share()
    {
        // Every id, including those the ratio would drop as a root: a trace is recorded or dropped whole.
        foreach (var id in TraceIds(500))
        {
            var sampled = new ActivityContext(id, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
            var notSampled = new ActivityContext(id, ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: true);
            Assert.True(Records(Default("Production"), id, sampled));
            Assert.False(Records(Default("Production"), id, notSampled));
        }
    }

    [Fact]
    public void A_sampler_named_in_configuration_is_left_to_OpenTelemetry()
    {
        Assert.Null(DefaultOrNull("Production", new() { [TraceSampling.SamplerKey] = "always_on" }));
        Assert.Null(DefaultOrNull("Development", new() { [TraceSampling.SamplerKey] = "parentbased_traceidratio", [TraceSampling.SamplerArgKey] = "0.01" }));
    }

    [Fact]
    public async Task A_service_records_its_span_of_a_call_exactly_when_the_caller_sampled_the_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = new StartedSpans();
        // Production defaults on both sides: the decision is the caller's root context's, carried by traceparent.
        await using var service = await ServiceHost.StartAsync("sampled",
            builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddProcessor(started)));
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "sampled",
            configure: builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(CallerSource.Name)));

        foreach (var flags in new[] { ActivityTraceFlags.Recorded, ActivityTraceFlags.None, ActivityTraceFlags.Recorded, ActivityTraceFlags.None })
        {
            var traceId = ActivityTraceId.CreateRandom();
            ProbeReply reply;
            using (CallerSource.StartActivity("caller", ActivityKind.Internal, new ActivityContext(traceId, ActivitySpanId.CreateRandom(), flags, isRemote: true)))
                reply = await caller.Client.ReadAsync(new ProbeRequest { Key = "sampling" }, cancellationToken: ct);

            // The handler runs inside the trace either way (logs carry its id); the server span starts before the
            // handler runs, so by the reply it has been recorded or it never will be.
            Assert.Equal(traceId.ToString(), reply.TraceId);
            var recorded = started.Server(traceId);
            if (flags == ActivityTraceFlags.Recorded) Assert.NotNull(recorded);
            else Assert.Null(recorded);
        }
    }

    [Fact]
    public async Task OTEL_TRACES_SAMPLER_in_configuration_overrides_the_default()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = new StartedSpans();
        // Both hosts: in one process a span is recorded if any pipeline listening to its source samples it.
        var alwaysOff = new Dictionary<string, string?> { [TraceSampling.SamplerKey] = "always_off" };
        await using var service = await ServiceHost.StartAsync("always-off",
            builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddProcessor(started)),
            settings: alwaysOff, environment: "Development");
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], alwaysOff, service: "always-off",
            configure: builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(CallerSource.Name)));

        var traceId = ActivityTraceId.CreateRandom();
        using (CallerSource.StartActivity("caller", ActivityKind.Internal, new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true)))
            await caller.Client.ReadAsync(new ProbeRequest { Key = "always-off" }, cancellationToken: ct);
        // Development would record it, and so would the default's ParentBased (the caller sampled it): always_off is
        // what configuration said.
        Assert.Null(started.Server(traceId));
    }

    private static Sampler Default(string environment, Dictionary<string, string?>? settings = null) =>
        DefaultOrNull(environment, settings) ?? throw new InvalidOperationException("no default sampler");

    private static Sampler? DefaultOrNull(string environment, Dictionary<string, string?>? settings = null) =>
        TraceSampling.Default(new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build(),
            new HostingEnvironment { EnvironmentName = environment });

    private static bool Records(Sampler sampler, ActivityTraceId traceId, ActivityContext parent) =>
        sampler.ShouldSample(new SamplingParameters(parent, traceId, "span", ActivityKind.Server)).Decision == SamplingDecision.RecordAndSample;

    /// <summary>The same ids every run, spread over the whole range like random ones.</summary>
    private static List<ActivityTraceId> TraceIds(int count)
    {
        var random = new Random(15);
        var bytes = new byte[16];
        return Enumerable.Range(0, count).Select(_ =>
        {
            random.NextBytes(bytes);
            return ActivityTraceId.CreateFromBytes(bytes);
        }).ToList();
    }

    /// <summary>Spans as they start (a processor's OnStart runs only for recorded spans), thread-safe.</summary>
    private sealed class StartedSpans : BaseProcessor<Activity>
    {
        private readonly List<Activity> _spans = new();

        public override void OnStart(Activity data)
        {
            lock (_spans) _spans.Add(data);
        }

        public Activity? Server(ActivityTraceId traceId)
        {
            lock (_spans) return _spans.FirstOrDefault(s => s.TraceId == traceId && s.Kind == ActivityKind.Server);
        }
    }
}
