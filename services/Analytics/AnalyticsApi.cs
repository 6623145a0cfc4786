using Mesh.Analytics.Aggregation;
using Mesh.Analytics.Ingestion;
using Mesh.Analytics.Risk;
using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Analytics;

/// <summary>
/// The gRPC endpoint of analytics. Ingestion is here: each event judged on its own (<see cref="EventValidation"/>), the
/// valid ones appended to the stream as one confirmed message (<see cref="EventLog"/>); the aggregates are the stream
/// consumer's (Aggregation/). Reads are in AnalyticsApi.Reads.cs, CheckRisk and the risk cases in AnalyticsApi.Risk.cs.
/// </summary>
public sealed partial class AnalyticsApi(EventValidation validation, EventLog log, IngestRateLimit rateLimit, AggregateStore aggregates,
    TrendingBoard trending, RiskSignals signals, RiskRules rules, RiskCaseStore cases, RiskCaseWriter caseWriter, TimeProvider time, ILogger<AnalyticsApi> logger)
    : V1.Analytics.AnalyticsBase
{
    /// <summary>Roles that see funnels, other users' histories and risk cases.</summary>
    public static readonly string[] StaffRoles = ["admin", "support_agent"];

    public override async Task<IngestEventsResponse> IngestEvents(IngestEventsRequest request, ServerCallContext context)
    {
        EventValidation.CheckBatchSize(request.Events.Count);
        var user = context.GetUser();
        var (judged, rejected) = validation.Judge(request.Events, new EventValidation.Sender(user?.Subject, Internal: false));
        string? sender = user is null ? null : $"user:{user.Subject}";
        if (user is null)
        {
            // An anonymous batch speaks for one device: the first device id named; events of another device are refused.
            var device = judged.Select(j => j.Event.DeviceId).FirstOrDefault();
            sender = device is null ? null : $"device:{device}";
            foreach (var (index, _) in judged.Where(j => j.Event.DeviceId != device))
                rejected.Add(new RejectedEvent { Index = index, Field = $"events[{index}].device_id", Reason = "must be the same device for every event of an anonymous batch" });
            judged.RemoveAll(j => j.Event.DeviceId != device);
        }
        var accepted = judged.Select(j => j.Event).ToList();
        if (sender is not null && accepted.Count > 0) await rateLimit.CheckAsync(sender, accepted.Count);
        await log.AppendAsync(accepted, context.CancellationToken);
        return Answer(accepted.Count, rejected);
    }

    public override async Task<IngestEventsResponse> StreamEvents(IAsyncStreamReader<AnalyticsEvent> requestStream, ServerCallContext context)
    {
        var verdicts = new StreamVerdicts();
        var chunk = new List<AnalyticsEvent>(EventValidation.MaxBatch);
        await foreach (var e in requestStream.ReadAllAsync(context.CancellationToken))
        {
            chunk.Add(e);
            if (chunk.Count == EventValidation.MaxBatch) { await AppendInternalAsync(chunk, verdicts, context.CancellationToken); chunk.Clear(); }
        }
        if (chunk.Count > 0) await AppendInternalAsync(chunk, verdicts, context.CancellationToken);
        return Answer(verdicts.Accepted, verdicts.Rejected);
    }

    public override async Task<IngestEventsResponse> StreamEventBatches(IAsyncStreamReader<IngestEventsRequest> requestStream, ServerCallContext context)
    {
        var verdicts = new StreamVerdicts();
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (batch.Events.Count <= EventValidation.MaxBatch)
            {
                await AppendInternalAsync(batch.Events, verdicts, context.CancellationToken);
                continue;
            }
            // An oversize message: each of its events refused (issue 23: per-event errors), the rest of the stream kept.
            for (var i = 0; i < batch.Events.Count; i++)
            {
                var index = verdicts.Offset + i;
                verdicts.Rejected.Add(new RejectedEvent
                {
                    Index = index, Field = $"events[{index}]",
                    Reason = $"came in a message of {batch.Events.Count} events; at most {EventValidation.MaxBatch} a message",
                });
            }
            verdicts.Offset += batch.Events.Count;
        }
        return Answer(verdicts.Accepted, verdicts.Rejected);
    }

    /// <summary>An internal producer's stream so far: its events are indexed by their position in the whole stream.</summary>
    private sealed class StreamVerdicts
    {
        public int Offset;
        public int Accepted;
        public List<RejectedEvent> Rejected { get; } = [];
    }

    /// <summary>Judges up to <see cref="EventValidation.MaxBatch"/> events of an internal producer and appends the valid ones as one stream message.</summary>
    private async Task AppendInternalAsync(IReadOnlyList<AnalyticsEvent> chunk, StreamVerdicts verdicts, CancellationToken cancellationToken)
    {
        var (judged, bad) = validation.Judge(chunk, new EventValidation.Sender(null, Internal: true));
        var ok = judged.Select(j => j.Event).ToList();
        foreach (var r in bad)
        {
            r.Index += verdicts.Offset;
            r.Field = $"events[{r.Index}]" + r.Field[r.Field.IndexOf('.')..];
        }
        await log.AppendAsync(ok, cancellationToken);
        verdicts.Accepted += ok.Count;
        verdicts.Rejected.AddRange(bad);
        verdicts.Offset += chunk.Count;
    }

    private static IngestEventsResponse Answer(int accepted, List<RejectedEvent> rejected)
    {
        var response = new IngestEventsResponse { Accepted = accepted };
        response.Rejected.AddRange(rejected.OrderBy(r => r.Index));
        return response;
    }

    private static bool IsStaff(AuthenticatedUser user) => StaffRoles.Any(user.IsInRole);
}
