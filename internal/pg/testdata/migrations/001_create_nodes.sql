create table nodes (
	pubkey text primary key,
	region text not null
);
