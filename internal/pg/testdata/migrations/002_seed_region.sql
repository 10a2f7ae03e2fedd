create table regions (name text primary key);
insert into regions (name) values ('eu-west');
