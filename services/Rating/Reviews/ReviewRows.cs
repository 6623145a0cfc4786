namespace Mesh.Rating.Reviews;

/// <summary>A review as stored. Aspects and Purchase are jsonb documents (their shape is open).</summary>
public sealed class ReviewRow
{
    public Guid Id { get; set; }
    public string Item { get; set; } = "";
    public string AuthorId { get; set; } = "";
    public int Stars { get; set; }
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public string Aspects { get; set; } = "{}";
    public string Purchase { get; set; } = "{}";
    public int HelpfulCount { get; set; }
    public string State { get; set; } = ReviewStates.Visible;
    public string? HiddenReason { get; set; }
    public int PendingReports { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }

    public bool Visible => State == ReviewStates.Visible;
}

public static class ReviewStates
{
    public const string Visible = "VISIBLE";
    public const string Hidden = "HIDDEN";
}

/// <summary>An item's aggregate as stored: the histogram, and what the database generates from it.</summary>
public sealed class AggregateRow
{
    public string Item { get; set; } = "";
    public string Kind { get; set; } = "";
    public string CityId { get; set; } = "";
    public int Stars1 { get; set; }
    public int Stars2 { get; set; }
    public int Stars3 { get; set; }
    public int Stars4 { get; set; }
    public int Stars5 { get; set; }
    public int ReviewCount { get; set; }
    public long StarSum { get; set; }
    public double Bayesian { get; set; }
    public long Version { get; set; }

    /// <summary>An item nobody has reviewed: zeros, version 0, and the prior as its Bayesian average.</summary>
    public static AggregateRow Empty(string item) => new() { Item = item, Kind = item[..item.IndexOf('/')], Bayesian = BayesianPrior.Mean };
}

/// <summary>The prior of the Bayesian average, as the item_ratings.bayesian column computes it (Migrations/0001).</summary>
public static class BayesianPrior
{
    public const double Mean = 3.5;
    public const int Weight = 10;
}

/// <summary>How a change touched the aggregate: the row after it, or null when the aggregate did not change.</summary>
public sealed record ReviewChange(ReviewRow? Review, AggregateRow? Aggregate);
