-- Average fare by pickup hour, on weekdays and on weekends (Saturday and Sunday).
-- dayofweek() counts from Sunday = 1 to Saturday = 7, as Databricks does.
-- @param min_distance DOUBLE = 0
-- @cache_ttl 600
SELECT hour(tpep_pickup_datetime) AS pickup_hour,
       CASE WHEN dayofweek(tpep_pickup_datetime) IN (1, 7) THEN 'weekend' ELSE 'weekday' END AS day_type,
       avg(fare_amount) AS average_fare,
       count(*) AS trips
FROM samples.nyctaxi.trips
WHERE trip_distance >= :min_distance
GROUP BY 1, 2
ORDER BY 1, 2
